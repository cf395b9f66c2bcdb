package dev.tandem.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.core.spi.observability.HttpResponse;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A request on a connection accepted before the HTTP server had its metrics (Vert.x 5.0.7 sets
 * them after the socket is bound) arrives with a null socket metric: Micrometer's own metrics throw
 * on it, so the request would never be answered; the guarded ones leave it unmeasured. Requests
 * on other connections are measured as before.
 */
class GuardedMetricsFactoryTest {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.builder().with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)))
        .withMetrics(new GuardedMetricsFactory(new MicrometerMetricsFactory(registry))).build();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  private static final HttpRequest REQUEST = new HttpRequest() {
    @Override
    public int id() {
      return 1;
    }

    @Override
    public String uri() {
      return "/api/v1/me";
    }

    @Override
    public String absoluteURI() {
      return "http://127.0.0.1/api/v1/me";
    }

    @Override
    public HttpMethod method() {
      return HttpMethod.GET;
    }

    @Override
    public MultiMap headers() {
      return MultiMap.caseInsensitiveMultiMap();
    }

    @Override
    public SocketAddress remoteAddress() {
      return SocketAddress.inetSocketAddress(40000, "127.0.0.1");
    }
  };

  private static final HttpResponse RESPONSE = new HttpResponse() {
    @Override
    public int statusCode() {
      return 200;
    }

    @Override
    public MultiMap headers() {
      return MultiMap.caseInsensitiveMultiMap();
    }
  };

  @SuppressWarnings({"unchecked", "rawtypes"})
  @Test
  void requestsOnAConnectionWithoutASocketMetricAreNotMeasuredAndDoNotThrow() {
    HttpServerMetrics m = ((VertxInternal) vertx).metrics()
        .createHttpServerMetrics(new HttpServerOptions(), SocketAddress.inetSocketAddress(8080, "127.0.0.1"));
    // What Micrometer itself does with such a request (the failure this class exists for).
    HttpServerMetrics raw = ((GuardedMetricsFactory.GuardedHttpServerMetrics) m).delegateForTest();
    assertThrows(NullPointerException.class, () -> raw.requestBegin(null, REQUEST));

    Object request = m.requestBegin(null, REQUEST);
    assertNull(request);
    m.requestRouted(request, "/api/v1/me");
    m.responseBegin(request, RESPONSE);
    m.requestEnd(request, REQUEST, 0);
    m.responseEnd(request, RESPONSE, 10);
    m.bytesRead(null, REQUEST.remoteAddress(), 10);
    m.bytesWritten(null, REQUEST.remoteAddress(), 10);
    m.exceptionOccurred(null, REQUEST.remoteAddress(), new RuntimeException("x"));
    assertNull(m.connected(null, request, null));
    m.disconnected(null);
    m.disconnected(null, REQUEST.remoteAddress());

    // A connection with its socket metric is measured as before.
    Object socket = m.connected(REQUEST.remoteAddress(), "127.0.0.1");
    Object measured = m.requestBegin(socket, REQUEST);
    assertNotNull(measured);
    m.requestEnd(measured, REQUEST, 0);
    m.responseBegin(measured, RESPONSE);
    m.responseEnd(measured, RESPONSE, 10);
    m.disconnected(socket, REQUEST.remoteAddress());
    assertEquals(1.0, registry.find("vertx.http.server.requests").counter().count());
  }
}
