// Starts Swagger UI on the gateway's own document. A separate file, not an
// inline script, because /docs is served with `script-src 'self'`.
"use strict";
window.addEventListener("DOMContentLoaded", () => {
  const ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    // Every operation starts in "try it out" mode: the page is for calling the API.
    tryItOutEnabled: true,
    displayRequestDuration: true,
    // No remote validator badge: the page works offline and calls nothing but the gateway.
    validatorUrl: null,
    // A filter by tag (service): with about 150 operations the list is
    // virtualized, and a service is easier found by name than by scrolling.
    filter: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // A successful login through "try it out" authorizes the page with its
    // access token, so the next call is authenticated without copy and paste.
    responseInterceptor: (response) => {
      try {
        const login = /\/api\/v1\/users\/login\/?$/.test(new URL(response.url, location.href).pathname);
        const token = login && response.ok && response.body && response.body.tokens
          ? response.body.tokens.access_token : null;
        if (token) {
          ui.preauthorizeApiKey("bearer", token);
        }
      } catch (e) {
        console.warn("HMS docs: could not take the token from the login response", e);
      }
      return response;
    },
  });
  window.ui = ui;
});
