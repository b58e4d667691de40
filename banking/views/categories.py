"""Category pages: the list with a form to add one, editing (name, colour, kind), and removal after a
confirmation that says how many transactions, budgets and rules move to Other.

Views stay thin: forms parse, services write, selectors read; every category comes through
`get_category_for_user`, so another user's slug is a 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from banking import selectors, services
from banking.forms import apply_service_errors
from banking.forms_rules import CategoryForm
from banking.models.categories import PALETTE


def _save(request: AuthenticatedHttpRequest, form: CategoryForm, category=None) -> bool:
    try:
        if category is None:
            services.category_create(user=request.user, request=request, **form.cleaned_data)
        else:
            services.category_update(user=request.user, category=category, changes=form.cleaned_data, request=request)
    except services.DuplicateCategory as error:
        form.add_error("name", str(error))
    except ValidationError as error:
        apply_service_errors(form, error)
    else:
        return True
    return False


@require_http_methods(["GET", "HEAD", "POST"])
def category_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    categories = selectors.user_categories(user=request.user)
    form = CategoryForm(request.POST or None, initial={"color": PALETTE[len(categories) % len(PALETTE)]})
    if request.method == "POST" and form.is_valid() and _save(request, form):
        messages.success(request, f"Category “{form.cleaned_data['name']}” added.")
        return redirect("banking:category_list")
    counts = selectors.category_transaction_counts(user=request.user)
    rows = [(c, counts.get(c.slug, 0)) for c in categories]
    return render(
        request,
        "banking/category_list.html",
        {"rows": rows, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def category_edit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    category = selectors.get_category_for_user(user=request.user, slug=slug)
    initial = {"name": category.name, "kind": category.kind, "color": category.color}
    form = CategoryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and _save(request, form, category):
        messages.success(request, "Category saved.")
        return redirect("banking:category_list")
    return render(
        request,
        "banking/category_form.html",
        {"form": form, "category": category},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def category_delete(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    category = selectors.get_category_for_user(user=request.user, slug=slug)
    if request.method == "POST":
        try:
            moved = services.category_delete(user=request.user, category=category, request=request)
        except (services.CategoryProtected, ValidationError) as error:
            messages.error(request, " ".join(error.messages) if isinstance(error, ValidationError) else str(error))
            return redirect("banking:category_edit", slug=category.slug)
        messages.success(request, f"“{category.name}” removed: {moved['transactions']} transactions moved to Other.")
        return redirect("banking:category_list")
    usage = selectors.category_usage(user=request.user, slug=category.slug)
    return render(request, "banking/category_delete.html", {"category": category, "usage": usage})
