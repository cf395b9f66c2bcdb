package dev.tandem.app;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.core.metrics.MetricsOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.core.spi.metrics.ClientMetrics;
import io.vertx.core.spi.metrics.DatagramSocketMetrics;
import io.vertx.core.spi.metrics.EventBusMetrics;
import io.vertx.core.spi.metrics.HttpClientMetrics;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.metrics.PoolMetrics;
import io.vertx.core.spi.metrics.TCPMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.core.spi.observability.HttpResponse;

/**
 * The Micrometer metrics of Vert.x, with the HTTP server's metrics made safe for connections
 * accepted before the server had its metrics object.
 *
 * <p>Why: Vert.x 5.0.7's {@code NetServerImpl} sets a server's metrics in the listener of its
 * bind, on the acceptor thread, after the socket already accepts connections. A connection
 * accepted in that window gets no socket metric (null); once the server has its metrics, every
 * request on that connection calls {@code requestBegin(null, ...)}, and vertx-micrometer-metrics
 * throws a {@code NullPointerException} on it before the request reaches Tandem: the request is
 * never answered, nor is any later one on that keep-alive connection. Seen once in the check-ins
 * benchmark, whose readiness probe connects while the server starts (a load balancer's health
 * checks do the same). Here a request or WebSocket on such a connection is simply not measured;
 * every other call goes to Micrometer unchanged.
 */
final class GuardedMetricsFactory implements VertxMetricsFactory {
  private final VertxMetricsFactory delegate;

  GuardedMetricsFactory(VertxMetricsFactory delegate) {
    this.delegate = delegate;
  }

  @Override
  public VertxMetrics metrics(VertxOptions options) {
    return new Guarded(delegate.metrics(options));
  }

  @Override
  public MetricsOptions newOptions() {
    return delegate.newOptions();
  }

  @Override
  public MetricsOptions newOptions(MetricsOptions options) {
    return delegate.newOptions(options);
  }

  @Override
  public MetricsOptions newOptions(JsonObject json) {
    return delegate.newOptions(json);
  }

  /** Every call to the delegate, except that HTTP server metrics are wrapped. */
  static final class Guarded implements VertxMetrics {
    private final VertxMetrics d;

    Guarded(VertxMetrics d) {
      this.d = d;
    }

    @Override
    public EventBusMetrics<?> createEventBusMetrics() {
      return d.createEventBusMetrics();
    }

    @Override
    public HttpServerMetrics<?, ?, ?> createHttpServerMetrics(HttpServerOptions options, SocketAddress localAddress) {
      HttpServerMetrics<?, ?, ?> m = d.createHttpServerMetrics(options, localAddress);
      return m == null ? null : guard(m);
    }

    @Override
    public ClientMetrics<?, ?, ?> createClientMetrics(SocketAddress remote, String type, String namespace) {
      return d.createClientMetrics(remote, type, namespace);
    }

    @Override
    public HttpClientMetrics<?, ?, ?> createHttpClientMetrics(HttpClientOptions options) {
      return d.createHttpClientMetrics(options);
    }

    @Override
    public TCPMetrics<?> createNetServerMetrics(NetServerOptions options, SocketAddress localAddress) {
      return d.createNetServerMetrics(options, localAddress);
    }

    @Override
    public TCPMetrics<?> createNetClientMetrics(NetClientOptions options) {
      return d.createNetClientMetrics(options);
    }

    @Override
    public DatagramSocketMetrics createDatagramSocketMetrics(DatagramSocketOptions options) {
      return d.createDatagramSocketMetrics(options);
    }

    @Override
    public PoolMetrics<?, ?> createPoolMetrics(String type, String name, int maxSize) {
      return d.createPoolMetrics(type, name, maxSize);
    }

    @Override
    public void vertxCreated(Vertx vertx) {
      d.vertxCreated(vertx);
    }

    @Override
    public boolean isMetricsEnabled() {
      return d.isMetricsEnabled();
    }

    @Override
    public void close() {
      d.close();
    }
  }

  @SuppressWarnings("unchecked")
  static <R, W, S> HttpServerMetrics<R, W, S> guard(HttpServerMetrics<?, ?, ?> m) {
    return new GuardedHttpServerMetrics<>((HttpServerMetrics<R, W, S>) m);
  }

  /** Null socket metric (a connection accepted before the server had metrics): its requests are not measured. */
  static final class GuardedHttpServerMetrics<R, W, S> implements HttpServerMetrics<R, W, S> {
    private final HttpServerMetrics<R, W, S> d;

    GuardedHttpServerMetrics(HttpServerMetrics<R, W, S> d) {
      this.d = d;
    }

    /** The wrapped metrics (tests show what they do without the guard). */
    HttpServerMetrics<R, W, S> delegateForTest() {
      return d;
    }

    @Override
    public R requestBegin(S socketMetric, HttpRequest request) {
      return socketMetric == null ? null : d.requestBegin(socketMetric, request);
    }

    @Override
    public void requestEnd(R requestMetric, HttpRequest request, long bytesRead) {
      if (requestMetric != null) {
        d.requestEnd(requestMetric, request, bytesRead);
      }
    }

    @Override
    public void requestReset(R requestMetric) {
      if (requestMetric != null) {
        d.requestReset(requestMetric);
      }
    }

    @Override
    public void responseBegin(R requestMetric, HttpResponse response) {
      if (requestMetric != null) {
        d.responseBegin(requestMetric, response);
      }
    }

    @Override
    public R responsePushed(S socketMetric, HttpMethod method, String uri, HttpResponse response) {
      return socketMetric == null ? null : d.responsePushed(socketMetric, method, uri, response);
    }

    @Override
    public void responseEnd(R requestMetric, HttpResponse response, long bytesWritten) {
      if (requestMetric != null) {
        d.responseEnd(requestMetric, response, bytesWritten);
      }
    }

    @Override
    public W connected(S socketMetric, R requestMetric, ServerWebSocket webSocket) {
      return socketMetric == null || requestMetric == null ? null : d.connected(socketMetric, requestMetric, webSocket);
    }

    @Override
    public void disconnected(W webSocketMetric) {
      if (webSocketMetric != null) {
        d.disconnected(webSocketMetric);
      }
    }

    @Override
    public void requestRouted(R requestMetric, String route) {
      if (requestMetric != null) {
        d.requestRouted(requestMetric, route);
      }
    }

    @Override
    public S connected(SocketAddress remoteAddress, String remoteName) {
      return d.connected(remoteAddress, remoteName);
    }

    @Override
    public void disconnected(S socketMetric, SocketAddress remoteAddress) {
      if (socketMetric != null) {
        d.disconnected(socketMetric, remoteAddress);
      }
    }

    @Override
    public void bytesRead(S socketMetric, SocketAddress remoteAddress, long numberOfBytes) {
      if (socketMetric != null) {
        d.bytesRead(socketMetric, remoteAddress, numberOfBytes);
      }
    }

    @Override
    public void bytesWritten(S socketMetric, SocketAddress remoteAddress, long numberOfBytes) {
      if (socketMetric != null) {
        d.bytesWritten(socketMetric, remoteAddress, numberOfBytes);
      }
    }

    @Override
    public void exceptionOccurred(S socketMetric, SocketAddress remoteAddress, Throwable t) {
      if (socketMetric != null) {
        d.exceptionOccurred(socketMetric, remoteAddress, t);
      }
    }

    @Override
    public void close() {
      d.close();
    }
  }
}
