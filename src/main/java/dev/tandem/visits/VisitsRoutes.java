package dev.tandem.visits;

import dev.tandem.http.ApiException;
import dev.tandem.http.Ids;
import dev.tandem.http.JsonInput;
import dev.tandem.http.Responses;
import dev.tandem.http.SecurityHeaders;
import dev.tandem.identity.Auth;
import dev.tandem.identity.Role;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Wiring for visits: schedules, booking, the waiting room, Jitsi tokens, calendars, hours and the Jitsi webhook. */
public final class VisitsRoutes {
  private static final Duration MAX_RANGE = Duration.ofDays(62);
  private final Visits v;
  private final Auth auth;

  public VisitsRoutes(Visits visits, Auth auth) {
    this.v = visits;
    this.auth = auth;
  }

  public void mount(Router r) {
    // The visit page alone may load and frame the configured Jitsi deployment.
    String csp = SecurityHeaders.policyAllowing(v.cfg.jitsiOrigin());
    r.route("/visits.html").handler(ctx -> {
      ctx.response().headers().set("Content-Security-Policy", csp);
      ctx.next();
    });
    r.get("/api/v1/visits").handler(auth.required()).handler(this::mine);
    r.post("/api/v1/visits").handler(auth.required()).handler(auth.clinician()).handler(this::book);
    r.post("/api/v1/visits/pairs").handler(auth.required()).handler(auth.clinician()).handler(this::bookPair);
    r.get("/api/v1/visits/proposals").handler(auth.required()).handler(auth.clinician()).handler(this::proposals);
    r.get("/api/v1/visits/waiting").handler(auth.required()).handler(auth.clinician()).handler(this::waiting);
    r.get("/api/v1/visits/:visitId").handler(auth.required()).handler(this::get);
    r.post("/api/v1/visits/:visitId/reschedule").handler(auth.required()).handler(auth.clinician()).handler(this::reschedule);
    r.post("/api/v1/visits/:visitId/cancel").handler(auth.required()).handler(this::cancel);
    r.post("/api/v1/visits/:visitId/no-show").handler(auth.required()).handler(auth.clinician()).handler(this::noShow);
    r.post("/api/v1/visits/:visitId/complete").handler(auth.required()).handler(auth.clinician()).handler(this::complete);
    r.post("/api/v1/visits/:visitId/arrive").handler(auth.required()).handler(auth.roles(Role.PATIENT)).handler(this::arrive);
    r.post("/api/v1/visits/:visitId/admit").handler(auth.required()).handler(auth.clinician()).handler(this::admit);
    r.post("/api/v1/visits/:visitId/note").handler(auth.required()).handler(auth.clinician()).handler(this::note);
    r.post("/api/v1/visits/:visitId/token").handler(auth.required()).handler(this::token);
    r.get("/api/v1/visits/:visitId/calendar.ics").handler(auth.required()).handler(this::calendar);
    r.put("/api/v1/availability").handler(auth.required()).handler(auth.clinician()).handler(this::putAvailability);
    r.get("/api/v1/availability/:clinicianId").handler(auth.required()).handler(auth.clinician()).handler(this::getAvailability);
    r.post("/api/v1/jitsi/events").handler(this::jitsiEvent);
  }

  // ---- handlers ---------------------------------------------------------------------------

  private void mine(RoutingContext ctx) {
    Instant now = v.visits.now();
    Instant from = instantParam(ctx, "from", now.minus(Duration.ofDays(1)));
    Instant to = instantParam(ctx, "to", now.plus(Duration.ofDays(14)));
    if (!to.isAfter(from) || Duration.between(from, to).compareTo(MAX_RANGE) > 0) {
      throw ApiException.badRequest("invalid_range", "to must be after from, at most 62 days later.");
    }
    v.visits.mine(Auth.caller(ctx), from, to).onSuccess(o -> Responses.json(ctx, 200, o)).onFailure(ctx::fail);
  }

  private void book(RoutingContext ctx) {
    JsonInput in = JsonInput.of(ctx, "patientId", "type", "start", "durationMinutes", "clinicianIds");
    String patientId = requiredId(in, "patientId");
    VisitRequests.Book req = book(patientId, in, ctx.body().asJsonObject(), "");
    v.visits.book(Auth.caller(ctx), req).onSuccess(o -> Responses.json(ctx, 201, new JsonObject().put("visit", o)))
        .onFailure(ctx::fail);
  }

  private void bookPair(RoutingContext ctx) {
    JsonInput in = JsonInput.of(ctx, "patientId", "first", "second");
    String patientId = requiredId(in, "patientId");
    JsonObject body = ctx.body().asJsonObject();
    VisitRequests.Book first = book(patientId, part(body, "first"), body.getJsonObject("first"), "first.");
    VisitRequests.Book second = book(patientId, part(body, "second"), body.getJsonObject("second"), "second.");
    v.visits.bookPair(Auth.caller(ctx), new VisitRequests.Pair(patientId, first, second))
        .onSuccess(a -> Responses.json(ctx, 201, new JsonObject().put("visits", a))).onFailure(ctx::fail);
  }

  private static JsonInput part(JsonObject body, String field) {
    if (!(body.getValue(field) instanceof JsonObject o)) {
      throw ApiException.invalid(field, "must be an object with type, start and durationMinutes");
    }
    return JsonInput.ofObject(o, "type", "start", "durationMinutes", "clinicianIds");
  }

  private static VisitRequests.Book book(String patientId, JsonInput in, JsonObject raw, String prefix) {
    VisitType type = VisitType.fromWire(field(prefix, "type", () -> in.string("type", 40)));
    if (type == null) {
      throw ApiException.invalid(prefix + "type", "must be intake, medication-review, psychotherapy or joint");
    }
    Instant start = instant(prefix + "start", field(prefix, "start", () -> in.string("start", 40)));
    long minutes = field(prefix, "durationMinutes", () -> in.positiveLong("durationMinutes"));
    if (minutes > VisitService.MAX_MINUTES) {
      throw ApiException.invalid(prefix + "durationMinutes", "must be at most " + VisitService.MAX_MINUTES);
    }
    List<String> clinicians = null;
    Object c = raw.getValue("clinicianIds");
    if (c != null) {
      if (!(c instanceof JsonArray a) || a.size() > 5) {
        throw ApiException.invalid(prefix + "clinicianIds", "must be a list of at most 5 ids");
      }
      clinicians = new ArrayList<>();
      for (Object o : a) {
        if (!(o instanceof String s) || !Ids.valid(s)) {
          throw ApiException.invalid(prefix + "clinicianIds", "must contain ids");
        }
        clinicians.add(s);
      }
    }
    return new VisitRequests.Book(patientId, type, start, (int) minutes, clinicians);
  }

  /** Re-labels a field error inside a nested object ("first.start"). */
  private static <T> T field(String prefix, String name, java.util.function.Supplier<T> read) {
    try {
      return read.get();
    } catch (ApiException e) {
      if (prefix.isEmpty()) {
        throw e;
      }
      throw new ApiException(e.status(), e.code(), prefix + e.getMessage());
    }
  }

  private void proposals(RoutingContext ctx) {
    String patientId = ctx.queryParams().get("patientId");
    if (!Ids.valid(patientId)) {
      throw ApiException.invalid("patientId", "is required");
    }
    ZoneId zone = zoneParam(ctx);
    LocalDate date;
    try {
      String d = ctx.queryParams().get("date");
      date = d == null ? LocalDate.now(v.visits.clock().withZone(zone)) : LocalDate.parse(d);
    } catch (DateTimeException e) {
      throw ApiException.invalid("date", "must be a date like 2026-12-01");
    }
    int med = minutesParam(ctx, "medicationMinutes", 30);
    int therapy = minutesParam(ctx, "therapyMinutes", 50);
    v.availability.proposePairs(Auth.caller(ctx), patientId, date, zone, med, therapy)
        .onSuccess(o -> Responses.json(ctx, 200, o)).onFailure(ctx::fail);
  }

  private void waiting(RoutingContext ctx) {
    v.waitingRoom.waiting(Auth.caller(ctx)).onSuccess(o -> Responses.json(ctx, 200, o)).onFailure(ctx::fail);
  }

  private void get(RoutingContext ctx) {
    v.visits.get(Auth.caller(ctx), visitId(ctx)).onSuccess(o -> Responses.json(ctx, 200, new JsonObject().put("visit", o)))
        .onFailure(ctx::fail);
  }

  private void reschedule(RoutingContext ctx) {
    String id = visitId(ctx);
    JsonInput in = JsonInput.of(ctx, "start", "durationMinutes");
    Instant start = instant("start", in.string("start", 40));
    long minutes = in.positiveLong("durationMinutes");
    if (minutes > VisitService.MAX_MINUTES) {
      throw ApiException.invalid("durationMinutes", "must be at most " + VisitService.MAX_MINUTES);
    }
    v.visits.reschedule(Auth.caller(ctx), id, new VisitRequests.Reschedule(start, (int) minutes))
        .onSuccess(o -> Responses.json(ctx, 200, new JsonObject().put("visit", o))).onFailure(ctx::fail);
  }

  private void cancel(RoutingContext ctx) {
    v.visits.cancel(Auth.caller(ctx), visitId(ctx)).onSuccess(o -> Responses.json(ctx, 200, new JsonObject().put("visit", o)))
        .onFailure(ctx::fail);
  }

  private void noShow(RoutingContext ctx) {
    v.visits.noShow(Auth.caller(ctx), visitId(ctx)).onSuccess(o -> Responses.json(ctx, 200, new JsonObject().put("visit", o)))
        .onFailure(ctx::fail);
  }

  private void complete(RoutingContext ctx) {
    v.visits.complete(Auth.caller(ctx), visitId(ctx)).onSuccess(o -> Responses.json(ctx, 200, new JsonObject().put("visit", o)))
        .onFailure(ctx::fail);
  }

  private void arrive(RoutingContext ctx) {
    v.waitingRoom.arrive(Auth.caller(ctx), visitId(ctx)).onSuccess(o -> Responses.json(ctx, 200, new JsonObject().put("visit", o)))
        .onFailure(ctx::fail);
  }

  private void admit(RoutingContext ctx) {
    v.waitingRoom.admit(Auth.caller(ctx), visitId(ctx)).onSuccess(o -> Responses.json(ctx, 200, new JsonObject().put("visit", o)))
        .onFailure(ctx::fail);
  }

  private void note(RoutingContext ctx) {
    String id = visitId(ctx);
    String text = JsonInput.of(ctx, "text").string("text", WaitingRoom.MAX_NOTE).trim();
    v.waitingRoom.note(Auth.caller(ctx), id, text).onSuccess(x -> Responses.noContent(ctx)).onFailure(ctx::fail);
  }

  private void token(RoutingContext ctx) {
    v.waitingRoom.token(Auth.caller(ctx), visitId(ctx)).onSuccess(o -> Responses.json(ctx, 200, o)).onFailure(ctx::fail);
  }

  private void calendar(RoutingContext ctx) {
    String id = visitId(ctx);
    String base = ctx.request().scheme() + "://" + ctx.request().authority();
    v.visits.calendar(Auth.caller(ctx), id, base).onSuccess(text -> ctx.response().putHeader("Content-Type", "text/calendar; charset=utf-8")
        .putHeader("Cache-Control", "no-store").putHeader("Content-Disposition", "attachment; filename=\"tandem-visit.ics\"")
        .end(text)).onFailure(ctx::fail);
  }

  private void putAvailability(RoutingContext ctx) {
    JsonInput in = JsonInput.of(ctx, "zone", "weekly", "timeOff");
    JsonObject body = ctx.body().asJsonObject();
    ZoneId zone = zone("zone", in.string("zone", 64));
    Map<DayOfWeek, List<Availability.Window>> weekly = weekly(body.getValue("weekly"));
    List<Availability.TimeOff> off = timeOff(body.getValue("timeOff"));
    v.availability.put(Auth.caller(ctx), new Availability(Auth.caller(ctx).userId(), zone, weekly, off))
        .onSuccess(o -> Responses.json(ctx, 200, new JsonObject().put("availability", o))).onFailure(ctx::fail);
  }

  private void getAvailability(RoutingContext ctx) {
    String id = Ids.pathId(ctx, "clinicianId", "availability");
    // No hours set is an ordinary state, not an error: the answer simply has no "availability".
    v.availability.get(id).onSuccess(o -> Responses.json(ctx, 200, o == null ? new JsonObject() : new JsonObject().put("availability", o)))
        .onFailure(ctx::fail);
  }

  /** Jitsi posts more fields than we use, so unknown fields are ignored here; the ones we read are type-checked. */
  private void jitsiEvent(RoutingContext ctx) {
    v.webhook.authenticate(ctx.request().getHeader(JitsiWebhook.SECRET_HEADER));
    JsonObject body;
    try {
      body = ctx.body() == null || ctx.body().asString() == null ? null : new JsonObject(ctx.body().asString());
    } catch (DecodeException | ClassCastException e) {
      body = null;
    }
    if (body == null) {
      throw ApiException.badRequest("invalid_json", "Request body must be a JSON object.");
    }
    String event = stringField(body, "event_name", 64, true);
    String room = stringField(body, "room_name", 200, true);
    String occupantId = null;
    Object occ = body.getValue("occupant");
    if (occ != null) {
      if (!(occ instanceof JsonObject o)) {
        throw ApiException.invalid("occupant", "must be an object");
      }
      occupantId = stringField(o, "id", 64, false);
    }
    v.webhook.handle(event, room, occupantId).onSuccess(o -> Responses.json(ctx, 200, o)).onFailure(ctx::fail);
  }

  // ---- parsing ----------------------------------------------------------------------------

  private static String stringField(JsonObject o, String name, int max, boolean required) {
    Object x = o.getValue(name);
    if (x == null && !required) {
      return null;
    }
    if (!(x instanceof String s) || s.isBlank() || s.length() > max) {
      throw ApiException.invalid(name, "must be a string of 1-" + max + " characters");
    }
    return s;
  }

  private static String requiredId(JsonInput in, String field) {
    String id = in.optionalId(field);
    if (id == null) {
      throw ApiException.invalid(field, "is required");
    }
    return id;
  }

  private static String visitId(RoutingContext ctx) {
    return Ids.pathId(ctx, "visitId", "visit");
  }

  static Instant instant(String field, String text) {
    try {
      return OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeException e) {
      throw ApiException.invalid(field, "must be a date-time with offset, like 2026-12-01T14:00:00Z");
    }
  }

  private static Instant instantParam(RoutingContext ctx, String name, Instant dflt) {
    String s = ctx.queryParams().get(name);
    return s == null ? dflt : instant(name, s);
  }

  private static int minutesParam(RoutingContext ctx, String name, int dflt) {
    String s = ctx.queryParams().get(name);
    if (s == null) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(s);
      if (n < 5 || n > VisitService.MAX_MINUTES || n % 5 != 0) {
        throw ApiException.invalid(name, "must be a multiple of 5 between 5 and " + VisitService.MAX_MINUTES);
      }
      return n;
    } catch (NumberFormatException e) {
      throw ApiException.invalid(name, "must be a whole number of minutes");
    }
  }

  private static ZoneId zoneParam(RoutingContext ctx) {
    String z = ctx.queryParams().get("zone");
    return z == null ? ZoneId.of("UTC") : zone("zone", z);
  }

  private static ZoneId zone(String field, String z) {
    try {
      if (z.length() > 64) {
        throw new DateTimeException("too long");
      }
      return ZoneId.of(z);
    } catch (DateTimeException e) {
      throw ApiException.invalid(field, "must be an IANA time zone such as America/New_York");
    }
  }

  private static Map<DayOfWeek, List<Availability.Window>> weekly(Object value) {
    if (!(value instanceof JsonObject w)) {
      throw ApiException.invalid("weekly", "must be an object like {\"monday\": [{\"start\": \"09:00\", \"end\": \"17:00\"}]}");
    }
    Map<DayOfWeek, List<Availability.Window>> out = new EnumMap<>(DayOfWeek.class);
    for (String day : w.fieldNames()) {
      DayOfWeek d;
      try {
        d = DayOfWeek.valueOf(day.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw ApiException.invalid("weekly", "days are monday … sunday");
      }
      if (!(w.getValue(day) instanceof JsonArray a) || a.size() > 12) {
        throw ApiException.invalid("weekly." + d.name().toLowerCase(Locale.ROOT), "must be a list of at most 12 windows");
      }
      List<Availability.Window> windows = new ArrayList<>();
      for (Object o : a) {
        if (!(o instanceof JsonObject x)) {
          throw ApiException.invalid("weekly", "each window is {\"start\": \"09:00\", \"end\": \"17:00\"}");
        }
        LocalTime s = time(x.getValue("start"));
        LocalTime e = time(x.getValue("end"));
        if (!e.isAfter(s)) {
          throw ApiException.invalid("weekly", "a window must end after it starts");
        }
        windows.add(new Availability.Window(s, e));
      }
      out.put(d, List.copyOf(windows));
    }
    return out;
  }

  private static LocalTime time(Object o) {
    if (o instanceof String s && s.matches("\\d{2}:\\d{2}")) {
      try {
        return LocalTime.parse(s);
      } catch (DateTimeException e) {
        // falls through to the error below
      }
    }
    throw ApiException.invalid("weekly", "times are 24-hour HH:MM, like 09:00");
  }

  private static List<Availability.TimeOff> timeOff(Object value) {
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray a) || a.size() > 200) {
      throw ApiException.invalid("timeOff", "must be a list of at most 200 {start, end} ranges");
    }
    List<Availability.TimeOff> out = new ArrayList<>();
    for (Object o : a) {
      if (!(o instanceof JsonObject x) || !(x.getValue("start") instanceof String s) || !(x.getValue("end") instanceof String e)) {
        throw ApiException.invalid("timeOff", "each range is {\"start\": ISO date-time, \"end\": ISO date-time}");
      }
      Instant from = instant("timeOff.start", s);
      Instant to = instant("timeOff.end", e);
      if (!to.isAfter(from)) {
        throw ApiException.invalid("timeOff", "a range must end after it starts");
      }
      out.add(new Availability.TimeOff(from, to));
    }
    return out;
  }
}
