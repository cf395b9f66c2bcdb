package dev.tandem.testing;

import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A signed-in user's real WebSocket to /api/v1/live that keeps every event and waits (on a
 * monitor, never by sleeping) for one by predicate.
 */
public final class LiveSocket implements AutoCloseable {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private final List<JsonObject> events = new ArrayList<>();
  private final String name;
  private WebSocket ws;

  private LiveSocket(String name) {
    this.name = name;
  }

  public static LiveSocket connect(int port, String token, String name) {
    LiveSocket s = new LiveSocket(name);
    try {
      s.ws = HttpClient.newHttpClient().newWebSocketBuilder().header("Authorization", "Bearer " + token)
          .buildAsync(URI.create("ws://127.0.0.1:" + port + "/api/v1/live"), s.listener()).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(name + ": live connection failed", e);
    }
    s.await(e -> "hello".equals(e.getString("type")));
    return s;
  }

  private WebSocket.Listener listener() {
    return new WebSocket.Listener() {
      private final StringBuilder partial = new StringBuilder();

      @Override
      public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
          JsonObject e = new JsonObject(partial.toString());
          partial.setLength(0);
          synchronized (LiveSocket.this) {
            events.add(e);
            LiveSocket.this.notifyAll();
          }
        }
        socket.request(1);
        return null;
      }
    };
  }

  /** The first event matching {@code p}, waiting up to 5 s for it. */
  public JsonObject await(Predicate<JsonObject> p) {
    return await(p, WAIT);
  }

  public synchronized JsonObject await(Predicate<JsonObject> p, Duration timeout) {
    long end = System.nanoTime() + timeout.toNanos();
    while (true) {
      for (JsonObject e : events) {
        if (p.test(e)) {
          return e;
        }
      }
      long left = end - System.nanoTime();
      if (left <= 0) {
        fail(name + ": no matching live event within " + timeout.toMillis() + " ms; got " + events);
      }
      try {
        TimeUnit.NANOSECONDS.timedWait(this, left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted");
      }
    }
  }

  public synchronized long count(Predicate<JsonObject> p) {
    return events.stream().filter(p).count();
  }

  public synchronized List<JsonObject> all(Predicate<JsonObject> p) {
    return events.stream().filter(p).toList();
  }

  @Override
  public void close() {
    ws.abort();
  }
}
