// The API reference page: Swagger UI over /api/openapi.json. "Try it out" runs as the signed-in user,
// so writes carry the CSRF token like the site's own forms.
window.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") return;
  window.SwaggerUIBundle({
    url: root.dataset.url,
    domNode: root,
    deepLinking: true,
    defaultModelsExpandDepth: 0,
    requestInterceptor: (request) => {
      request.headers["X-CSRFToken"] = root.dataset.csrfToken;
      return request;
    },
  });
});
