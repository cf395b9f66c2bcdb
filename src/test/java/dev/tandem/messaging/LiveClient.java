package dev.tandem.messaging;

import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A test device's live connection to /api/v1/live: connects with a bearer token, keeps every
 * JSON event it receives (in arrival order, and in a queue for {@link #next}), waits for
 * events by predicate with a timeout, sends frames, and can drop the connection abruptly to
 * simulate a phone losing its network.
 */
final class LiveClient implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(5);
  private static final SecureRandom RANDOM = new SecureRandom();
  private final List<JsonObject> events = new ArrayList<>();
  private final BlockingQueue<JsonObject> queue = new LinkedBlockingQueue<>();
  private final AtomicInteger refs = new AtomicInteger();
  private final String name;
  private volatile WebSocket ws;
  private volatile boolean closed;
  private volatile String closeReason;

  private LiveClient(String name) {
    this.name = name;
  }

  /** Opens a socket authenticated by {@code token} and waits for the server's hello. */
  static LiveClient connect(int port, String token, String name) {
    LiveClient c = new LiveClient(name);
    try {
      c.ws = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
          .header("Authorization", "Bearer " + token)
          .buildAsync(URI.create("ws://127.0.0.1:" + port + "/api/v1/live"), c.listener())
          .get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(name + ": live connection failed: " + e, e);
    }
    c.await(e -> "hello".equals(e.getString("type")), WAIT);
    return c;
  }

  private WebSocket.Listener listener() {
    return new WebSocket.Listener() {
      private final StringBuilder partial = new StringBuilder();

      @Override
      public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
          String text = partial.toString();
          partial.setLength(0);
          JsonObject event;
          try {
            event = new JsonObject(text);
          } catch (RuntimeException e) {
            event = new JsonObject().put("type", "_unparseable").put("text", text);
          }
          received(event);
        }
        socket.request(1);
        return null;
      }

      @Override
      public CompletionStage<?> onClose(WebSocket socket, int statusCode, String reason) {
        ended("closed by server: " + statusCode + " " + reason);
        return null;
      }

      @Override
      public void onError(WebSocket socket, Throwable error) {
        ended("error: " + error);
      }
    };
  }

  private synchronized void received(JsonObject event) {
    events.add(event);
    queue.add(event);
    notifyAll();
  }

  private synchronized void ended(String reason) {
    if (!closed) {
      closed = true;
      closeReason = reason;
    }
    notifyAll();
  }

  /** The first received event (from the start of the connection) matching, waiting up to {@code timeout}. */
  synchronized JsonObject await(Predicate<JsonObject> p, Duration timeout) {
    long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
    while (true) {
      for (JsonObject e : events) {
        if (p.test(e)) {
          return e;
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0 || closed) {
        fail(name + ": no matching event within " + timeout.toMillis() + " ms"
            + (closed ? " (socket " + closeReason + ")" : "") + "; received: " + events);
      }
      try {
        TimeUnit.NANOSECONDS.timedWait(this, left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  JsonObject await(Predicate<JsonObject> p) {
    return await(p, WAIT);
  }

  /** Waits until at least {@code n} received events match; returns them. */
  synchronized List<JsonObject> awaitCount(Predicate<JsonObject> p, int n, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<JsonObject> matching = events.stream().filter(p).toList();
      if (matching.size() >= n) {
        return matching;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0 || closed) {
        fail(name + ": " + matching.size() + " of " + n + " expected events within " + timeout.toMillis() + " ms"
            + (closed ? " (socket " + closeReason + ")" : "") + "; received: " + events);
      }
      try {
        TimeUnit.NANOSECONDS.timedWait(this, left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  /** The next event in arrival order, or null after {@code timeout}. */
  JsonObject next(Duration timeout) {
    try {
      return queue.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A snapshot of every event received so far that matches. */
  synchronized List<JsonObject> all(Predicate<JsonObject> p) {
    return events.stream().filter(p).toList();
  }

  int count(Predicate<JsonObject> p) {
    return all(p).size();
  }

  /** Sends raw text as one frame. */
  void sendText(String text) {
    try {
      ws.sendText(text, true).get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(name + ": send failed: " + e, e);
    }
  }

  void send(JsonObject frame) {
    sendText(frame.encode());
  }

  /** Sends a frame with a fresh ref and waits for the server's answer carrying that ref. */
  JsonObject request(JsonObject frame) {
    String ref = name + "-" + refs.incrementAndGet();
    send(frame.copy().put("ref", ref));
    return await(e -> ref.equals(e.getValue("ref")));
  }

  boolean isOpen() {
    return !closed && !ws.isInputClosed() && !ws.isOutputClosed();
  }

  /** Drops the TCP connection without a closing handshake, like a phone losing its network. */
  void abort() {
    ws.abort();
    ended("aborted by test");
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    try {
      ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      // Fall through to abort.
    }
    abort();
  }

  // ---- predicates -------------------------------------------------------------------------

  static Predicate<JsonObject> type(String type) {
    return e -> type.equals(e.getString("type"));
  }

  /** A "message" event for the message with this id. */
  static Predicate<JsonObject> message(String messageId) {
    return e -> "message".equals(e.getString("type")) && e.getJsonObject("message") != null
        && messageId.equals(e.getJsonObject("message").getString("id"));
  }

  /** Any "message" event in this conversation. */
  static Predicate<JsonObject> messageIn(String conversationId) {
    return e -> "message".equals(e.getString("type")) && e.getJsonObject("message") != null
        && conversationId.equals(e.getJsonObject("message").getString("conversationId"));
  }

  // ---- raw upgrade requests (status and body of a refused upgrade) ------------------------

  record Raw(int status, Map<String, String> headers, String body) {
    JsonObject json() {
      return new JsonObject(body);
    }
  }

  /** Sends a WebSocket upgrade request for /api/v1/live by hand and reads the answer's head (and body, if any). */
  static Raw upgrade(int port, Map<String, String> extraHeaders) {
    byte[] nonce = new byte[16];
    RANDOM.nextBytes(nonce);
    StringBuilder req = new StringBuilder("GET /api/v1/live HTTP/1.1\r\n").append("Host: 127.0.0.1:").append(port)
        .append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ")
        .append(Base64.getEncoder().encodeToString(nonce)).append("\r\n");
    extraHeaders.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
    req.append("\r\n");
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(req.toString().getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      String head = readHead(in);
      String[] lines = head.split("\r\n");
      int status = Integer.parseInt(lines[0].split(" ")[1]);
      Map<String, String> headers = new LinkedHashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon > 0) {
          headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
      }
      String body = "";
      if (status != 101 && headers.containsKey("content-length")) {
        body = new String(in.readNBytes(Integer.parseInt(headers.get("content-length"))), StandardCharsets.UTF_8);
      }
      return new Raw(status, headers, body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < 4) {
      int c = in.read();
      if (c < 0) {
        break;
      }
      b.write(c);
      matched = c == end[matched] ? matched + 1 : (c == '\r' ? 1 : 0);
    }
    return b.toString(StandardCharsets.US_ASCII);
  }
}
