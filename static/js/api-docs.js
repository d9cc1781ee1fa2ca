// The API's interactive documentation: Swagger UI served from static/vendor/swagger-ui (copied
// from npm by `make offline`), reading the OpenAPI description of this server only.
(function () {
  "use strict";
  var container = document.getElementById("swagger-ui-container");
  if (!container || typeof window.SwaggerUIBundle !== "function") {
    return; // not installed: the page's notice stays
  }
  document.getElementById("api-docs-missing").hidden = true;
  window.ui = window.SwaggerUIBundle({
    url: container.getAttribute("data-spec-url"),
    dom_id: "#swagger-ui-container",
    deepLinking: false,
    // No request to another host: the default validator badge calls validator.swagger.io.
    validatorUrl: null,
    // The token is typed into "Authorize" for this page only, never kept on the device.
    persistAuthorization: false,
    presets: [window.SwaggerUIBundle.presets.apis],
  });
})();
