package dev.tandem.visits;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A clinician's weekly working hours in their own time zone, with exceptions (time off) as UTC
 * ranges. Hours are local wall-clock times, so "09:00" stays 09:00 across daylight-saving
 * changes; {@link #covers} converts each instant into the clinician's zone before comparing.
 */
public record Availability(String clinicianId, ZoneId zone, Map<DayOfWeek, List<Window>> weekly, List<TimeOff> timeOff) {

  public record Window(LocalTime start, LocalTime end) {
  }

  public record TimeOff(Instant start, Instant end) {
  }

  /** Whether [start, end) lies inside one weekly window and overlaps no time off. */
  public boolean covers(Instant start, Instant end) {
    for (TimeOff t : timeOff) {
      if (t.start().isBefore(end) && t.end().isAfter(start)) {
        return false;
      }
    }
    ZonedDateTime s = start.atZone(zone);
    ZonedDateTime e = end.atZone(zone);
    if (!e.toLocalDate().equals(s.toLocalDate()) && !(e.toLocalTime().equals(LocalTime.MIDNIGHT)
        && e.toLocalDate().equals(s.toLocalDate().plusDays(1)))) {
      return false;
    }
    LocalTime endTime = e.toLocalDate().equals(s.toLocalDate()) ? e.toLocalTime() : LocalTime.MAX;
    for (Window w : weekly.getOrDefault(s.getDayOfWeek(), List.of())) {
      if (!s.toLocalTime().isBefore(w.start()) && !endTime.isAfter(w.end())) {
        return true;
      }
    }
    return false;
  }

  JsonObject toDoc() {
    JsonObject week = new JsonObject();
    weekly.forEach((day, windows) -> {
      JsonArray a = new JsonArray();
      windows.forEach(w -> a.add(new JsonObject().put("start", w.start().toString()).put("end", w.end().toString())));
      week.put(day.name().toLowerCase(Locale.ROOT), a);
    });
    JsonArray off = new JsonArray();
    timeOff.forEach(t -> off.add(new JsonObject().put("start", t.start().toString()).put("end", t.end().toString())));
    return new JsonObject().put("_id", clinicianId).put("zone", zone.getId()).put("weekly", week).put("timeOff", off);
  }

  static Availability fromDoc(JsonObject d) {
    Map<DayOfWeek, List<Window>> week = new EnumMap<>(DayOfWeek.class);
    JsonObject w = d.getJsonObject("weekly", new JsonObject());
    for (String day : w.fieldNames()) {
      List<Window> list = new ArrayList<>();
      w.getJsonArray(day).forEach(o -> {
        JsonObject x = (JsonObject) o;
        list.add(new Window(LocalTime.parse(x.getString("start")), LocalTime.parse(x.getString("end"))));
      });
      week.put(DayOfWeek.valueOf(day.toUpperCase(Locale.ROOT)), List.copyOf(list));
    }
    List<TimeOff> off = new ArrayList<>();
    d.getJsonArray("timeOff", new JsonArray()).forEach(o -> {
      JsonObject x = (JsonObject) o;
      off.add(new TimeOff(Instant.parse(x.getString("start")), Instant.parse(x.getString("end"))));
    });
    return new Availability(d.getString("_id"), ZoneId.of(d.getString("zone")), week, List.copyOf(off));
  }

  public JsonObject toJson() {
    JsonObject o = toDoc();
    o.put("clinicianId", o.remove("_id"));
    return o;
  }
}
