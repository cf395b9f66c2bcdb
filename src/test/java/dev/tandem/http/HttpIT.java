package dev.tandem.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.testing.Http;
import dev.tandem.testing.TestTandem;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Route;
import io.vertx.junit5.VertxExtension;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.yaml.snakeyaml.Yaml;

/** Cross-cutting HTTP behaviour: headers, limits, errors, health, metrics, the OpenAPI document. */
@ExtendWith(VertxExtension.class)
class HttpIT {
  static TestTandem tandem;

  @BeforeAll
  static void start(Vertx vertx) {
    tandem = TestTandem.start(vertx);
  }

  @AfterAll
  static void stop() {
    tandem.close();
  }

  @Test
  void everyResponseCarriesTheSecurityHeaders() {
    for (String path : new String[] {"/", "/index.html", "/api/v1/me", "/health", "/no/such/page"}) {
      Http.Response r = tandem.client().get(path);
      assertTrue(r.header("Content-Security-Policy").contains("default-src 'self'"), path);
      assertTrue(r.header("Content-Security-Policy").contains("frame-ancestors 'none'"), path);
      assertEquals("DENY", r.header("X-Frame-Options"), path);
      assertEquals("nosniff", r.header("X-Content-Type-Options"), path);
      assertEquals("no-referrer", r.header("Referrer-Policy"), path);
      assertNull(r.header("Strict-Transport-Security"), "no HSTS without TLS");
    }
  }

  @Test
  void apiErrorsAreJsonWithACodeAndAMessage() {
    Http.Response r = tandem.client().get("/api/v1/nothing-here").expect(404);
    assertEquals("not_found", r.errorCode());
    assertTrue(r.header("Content-Type").startsWith("application/json"));
    assertEquals("unauthenticated", tandem.client().get("/api/v1/me").expect(401).errorCode());
  }

  @Test
  void bodiesOverTheLimitAreRefusedWith413() {
    String huge = "{\"email\":\"" + "a".repeat(1_100_000) + "\",\"password\":\"x\"}";
    Http.Response r = tandem.client().send("POST", "/api/v1/auth/login", huge, Map.of("Content-Type", "application/json"));
    assertEquals(413, r.status());
    assertEquals("body_too_large", r.errorCode());
  }

  @Test
  void healthReportsLivenessAndReadinessWithTheStore() {
    assertEquals("UP", tandem.client().get("/health/live").expect(200).json().getString("status"));
    assertEquals("UP", tandem.client().get("/health/ready").expect(200).json().getJsonObject("checks").getString("store"));
    assertEquals("UP", tandem.client().get("/health").expect(200).json().getString("status"));
  }

  @Test
  void metricsArePrometheusText() {
    Http.Response r = tandem.client().get("/metrics").expect(200);
    assertTrue(r.header("Content-Type").startsWith("text/plain"), r.header("Content-Type"));
    assertTrue(r.text().contains("# TYPE jvm_memory_used_bytes gauge"), r.text().substring(0, 200));
    assertTrue(r.text().contains("process_uptime_seconds"));
    // How full the heap is after collection: the embedded store's data lives there.
    assertTrue(r.text().contains("jvm_gc_max_data_size_bytes"), "GC live-data gauges");
  }

  @Test
  void webPagesAreServedAndRevalidated() {
    Http.Response r = tandem.client().get("/").expect(200);
    assertTrue(r.text().contains("<html"));
    assertEquals("no-cache", r.header("Cache-Control"));
    assertTrue(tandem.client().get("/js/api.js").expect(200).header("Content-Type").contains("javascript"));
  }

  /** The routes the router mounts and the paths the OpenAPI document describes are the same set. */
  @Test
  void theOpenApiDocumentDescribesExactlyTheMountedRoutes() {
    Set<String> mounted = new TreeSet<>();
    for (Route route : tandem.app().router().getRoutes()) {
      String path = route.getPath();
      if (path == null || route.methods() == null || route.methods().isEmpty()) {
        continue; // catch-alls: headers, body handling, static files
      }
      route.methods().forEach(m -> mounted.add(m.name() + " " + path.replaceAll(":([A-Za-z]+)", "{$1}")));
    }
    Http.Response doc = tandem.client().get("/api/v1/openapi.yaml").expect(200);
    assertTrue(doc.header("Content-Type").startsWith("application/yaml"));
    Map<String, Object> root = new Yaml().load(doc.text());
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> paths = (Map<String, Map<String, Object>>) root.get("paths");
    Set<String> documented = new TreeSet<>();
    paths.forEach((p, ops) -> ops.keySet().stream()
        .filter(k -> Set.of("get", "put", "post", "patch", "delete", "head", "options").contains(k))
        .forEach(m -> documented.add(m.toUpperCase() + " " + p)));
    assertEquals(mounted, documented);

    // And it is a valid OpenAPI 3 document.
    var parsed = new io.swagger.v3.parser.OpenAPIV3Parser().readContents(doc.text(), null, null);
    assertEquals(java.util.List.of(), parsed.getMessages());
    assertNotNull(parsed.getOpenAPI());
    Set<String> operationIds = new TreeSet<>();
    parsed.getOpenAPI().getPaths().values().forEach(item -> item.readOperations().forEach(op -> {
      assertNotNull(op.getOperationId(), "every operation has an id");
      assertNotNull(op.getSummary(), op.getOperationId() + " has a summary");
      assertTrue(operationIds.add(op.getOperationId()), "unique id " + op.getOperationId());
    }));
    assertEquals(documented.size(), operationIds.size());
  }
}
