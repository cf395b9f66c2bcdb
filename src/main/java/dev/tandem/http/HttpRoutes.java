package dev.tandem.http;

import dev.tandem.store.Store;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Router assembly: headers and body limits first, then health, metrics, the OpenAPI document and
 * the features' routes, then the web front end; one failure handler for everything.
 */
public final class HttpRoutes {
  private HttpRoutes() {
  }

  public static Router build(Vertx vertx, int bodyLimit, boolean tls, String webRoot, Store store,
      PrometheusMeterRegistry metrics, Consumer<Router> features) {
    Router r = Router.router(vertx);
    r.route().handler(new SecurityHeaders(tls));
    // Declared types are checked from the headers before any body is read: a refused body is
    // never buffered, and a multipart body (which the body handler turns into form fields,
    // leaving no JSON body to look at) cannot slip past the check.
    r.route("/api/*").handler(HttpRoutes::requireJsonBody);
    BodyHandler bodies = BodyHandler.create(false).setBodyLimit(bodyLimit);
    // A WebSocket upgrade must reach its route with the request unread.
    r.route("/api/*").handler(ctx -> {
      if ("websocket".equalsIgnoreCase(ctx.request().getHeader("Upgrade")) || isUpload(ctx)) {
        ctx.next();
      } else {
        bodies.handle(ctx);
      }
    });

    r.get("/health").handler(ctx -> ready(ctx, store));
    r.get("/health/ready").handler(ctx -> ready(ctx, store));
    r.get("/health/live").handler(ctx -> Responses.json(ctx, 200, new JsonObject().put("status", "UP")));
    r.get("/metrics").handler(PrometheusScrapingHandler.create(metrics));
    String openApi = OpenApiDocument.text();
    r.get("/api/v1/openapi.yaml").handler(ctx -> ctx.response().putHeader("Content-Type", "application/yaml; charset=utf-8")
        .end(openApi));

    features.accept(r);

    r.route("/api/*").handler(ctx -> ctx.fail(ApiException.notFound("API route " + ctx.request().method() + " " + ctx.normalizedPath())));
    // The web front end: the working directory's web/ when present (development), else the jar's copy.
    String root = Files.isDirectory(Path.of(webRoot)) ? Path.of(webRoot).toAbsolutePath().toString() : "web";
    StaticHandler web = Files.isDirectory(Path.of(webRoot)) ? StaticHandler.create(io.vertx.ext.web.handler.FileSystemAccess.ROOT, root)
        : StaticHandler.create("web");
    // File names carry no version, so browsers must revalidate (ETag/Last-Modified) or a deploy
    // could leave old scripts next to new pages.
    r.route().handler(ctx -> {
      ctx.response().headers().set("Cache-Control", "no-cache");
      ctx.next();
    });
    r.route().handler(web.setIndexPage("index.html").setCachingEnabled(false).setDefaultContentEncoding("UTF-8"));
    r.route().failureHandler(new FailureHandler());
    return r;
  }

  private static void ready(RoutingContext ctx, Store store) {
    store.ping().onComplete(ar -> {
      boolean up = ar.succeeded();
      Responses.json(ctx, up ? 200 : 503, new JsonObject().put("status", up ? "UP" : "DOWN")
          .put("checks", new JsonObject().put("store", up ? "UP" : "DOWN")));
    });
  }

  /**
   * A body on a state-changing API call must be declared as JSON: blocks HTML-form posts (a CSRF
   * vector that needs no preflight) on top of the SameSite=Strict session cookie.
   */
  /** File uploads have their own, larger body limit on their route and carry the file's own type. */
  private static boolean isUpload(RoutingContext ctx) {
    return ctx.request().method() == HttpMethod.POST && ctx.normalizedPath().endsWith("/attachments");
  }

  private static void requireJsonBody(RoutingContext ctx) {
    if (isUpload(ctx)) {
      String ct = String.valueOf(ctx.request().getHeader("Content-Type")).toLowerCase(java.util.Locale.ROOT);
      // Types a cross-site HTML form can send (text/plain, form encodings) are refused: no CSRF upload.
      if (!(ct.startsWith("image/") || ct.startsWith("application/pdf") || ct.startsWith("application/octet-stream"))) {
        ctx.fail(new ApiException(415, "unsupported_media_type", "Upload the file with its image/* or application/pdf type."));
        return;
      }
      ctx.next();
      return;
    }
    HttpMethod m = ctx.request().method();
    String length = ctx.request().getHeader("Content-Length");
    boolean hasBody = ctx.request().getHeader("Transfer-Encoding") != null || (length != null && !length.trim().equals("0"));
    if (hasBody && (m == HttpMethod.POST || m == HttpMethod.PUT || m == HttpMethod.PATCH)) {
      String ct = ctx.request().getHeader("Content-Type");
      if (ct == null || !ct.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
        ctx.fail(new ApiException(415, "unsupported_media_type", "Send the body as application/json."));
        return;
      }
    }
    ctx.next();
  }
}
