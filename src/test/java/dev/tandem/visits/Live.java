package dev.tandem.visits;

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

/** A real WebSocket to /api/v1/live that keeps every event and waits for one by predicate. */
final class Live implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(5);
  private final List<JsonObject> events = new ArrayList<>();
  private final String name;
  private WebSocket ws;

  private Live(String name) {
    this.name = name;
  }

  static Live connect(int port, String token, String name) {
    Live l = new Live(name);
    try {
      l.ws = HttpClient.newHttpClient().newWebSocketBuilder().header("Authorization", "Bearer " + token)
          .buildAsync(URI.create("ws://127.0.0.1:" + port + "/api/v1/live"), l.listener()).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(name + ": live connection failed", e);
    }
    l.await(e -> "hello".equals(e.getString("type")));
    return l;
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
          synchronized (Live.this) {
            events.add(e);
            Live.this.notifyAll();
          }
        }
        socket.request(1);
        return null;
      }
    };
  }

  synchronized JsonObject await(Predicate<JsonObject> p) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      for (JsonObject e : events) {
        if (p.test(e)) {
          return e;
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        fail(name + ": no matching event within " + WAIT.toMillis() + " ms; received " + events);
      }
      try {
        TimeUnit.NANOSECONDS.timedWait(this, left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  synchronized List<JsonObject> all(Predicate<JsonObject> p) {
    return events.stream().filter(p).toList();
  }

  static Predicate<JsonObject> type(String type, String visitId) {
    return e -> type.equals(e.getString("type")) && visitId.equals(e.getString("visitId"));
  }

  @Override
  public void close() {
    ws.abort();
  }
}
