package dev.tandem.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * A blocking HTTP client for tests against the real server, with its own cookie jar (one per
 * "browser"). Requests carry JSON; responses expose status, headers and the JSON body.
 */
public final class Http {
  private final String base;
  private final HttpClient client;
  private final CookieManager cookies = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
  private String bearer;

  public Http(String base) {
    this.base = base;
    // HTTP/1.1 only: the JDK client's h2c upgrade attempt could hang a request past its timeout.
    this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).cookieHandler(cookies)
        .connectTimeout(Duration.ofSeconds(5)).build();
  }

  public record Response(int status, HttpHeaders headers, String text) {
    public JsonObject json() {
      return text == null || text.isEmpty() ? null : new JsonObject(text);
    }

    public Response expect(int expected) {
      assertEquals(expected, status, () -> "unexpected status; body: " + text);
      return this;
    }

    public String header(String name) {
      return headers.firstValue(name).orElse(null);
    }

    public String errorCode() {
      JsonObject j = json();
      return j == null || j.getJsonObject("error") == null ? null : j.getJsonObject("error").getString("code");
    }

    public JsonArray array(String field) {
      return json().getJsonArray(field);
    }
  }

  /** Use a bearer token instead of cookies (as an app would). */
  public Http withBearer(String token) {
    this.bearer = token;
    return this;
  }

  public CookieManager cookies() {
    return cookies;
  }

  public Response login(String email, String password) {
    return post("/api/v1/auth/login", new JsonObject().put("email", email).put("password", password));
  }

  public Response get(String path) {
    return send("GET", path, null, Map.of());
  }

  public Response delete(String path) {
    return send("DELETE", path, null, Map.of());
  }

  public Response post(String path, Object body) {
    return send("POST", path, body == null ? null : body.toString(),
        body == null ? Map.of() : Map.of("Content-Type", "application/json"));
  }

  public Response put(String path, Object body) {
    return send("PUT", path, body == null ? null : body.toString(),
        body == null ? Map.of() : Map.of("Content-Type", "application/json"));
  }

  public Response patch(String path, Object body) {
    return send("PATCH", path, body == null ? null : body.toString(),
        body == null ? Map.of() : Map.of("Content-Type", "application/json"));
  }

  /** Any method, raw body text and headers (for malformed input). */
  public Response send(String method, String path, String body, Map<String, String> headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(b::header);
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    try {
      HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r.headers(), r.body());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
