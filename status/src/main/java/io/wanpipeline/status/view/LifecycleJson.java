package io.wanpipeline.status.view;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wanpipeline.events.Charge;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.internal.RequestLifecycle;
import io.wanpipeline.events.internal.Transition;
import java.math.BigDecimal;
import java.time.Instant;

/**
 * The JSON the status view answers for one request. It carries no secret: no API key reference, no
 * provider link (signed URLs carry credentials in their query), only what the request's owner may
 * see of its lifecycle.
 */
public final class LifecycleJson {
  private LifecycleJson() {}

  /** {@code lifecycle} as the HTTP API's object, with its {@code charge} when billing made one. */
  public static ObjectNode of(ObjectMapper mapper, RequestLifecycle lifecycle, Charge charge) {
    TaskStatus s = lifecycle.getLatest();
    ObjectNode json = mapper.createObjectNode();
    json.put("request_id", s.getRequestId());
    json.put("account_id", s.getAccountId());
    json.put("state", s.getState().name());
    json.put("in_flight", Lifecycles.inFlight(lifecycle));
    json.put("model", s.getModel());
    json.put("provider_account", s.getProviderAccount());
    json.put("priority", s.getPriority().name());
    json.put("task_id", s.getTaskId());
    json.put("batch_id", Lifecycles.batch(s).orElse(null));
    json.put("custom_id", s.getMetadata().get(Lifecycles.CUSTOM_ID));
    json.put("submitted_at", text(s.getSubmittedAt()));
    json.put("updated_at", text(s.getEventTime()));
    json.put("since", text(Lifecycles.since(lifecycle)));
    if (s.getUsage() != null) {
      json.put("video_seconds", BigDecimal.valueOf(s.getUsage().getVideoDurationMillis(), 3));
      json.put("tier", s.getUsage().getTier());
    }
    if (s.getError() != null) {
      ObjectNode error = json.putObject("error");
      error.put("code", s.getError().getCode());
      error.put("message", s.getError().getMessage());
      error.put("field", s.getError().getField());
      error.put("retryable", s.getError().getRetryable());
    }
    if (s.getArchive() != null) {
      ObjectNode archive = json.putObject("archive");
      archive.put("uri", s.getArchive().getUri());
      archive.put("size_bytes", s.getArchive().getSizeBytes());
      archive.put("sha256", s.getArchive().getSha256());
    }
    if (charge != null) {
      ObjectNode cost = json.putObject("cost");
      cost.put("amount_micros", charge.getAmountMicros());
      cost.put("currency", charge.getCurrency());
      cost.put("billable_millis", charge.getBillableMillis());
      cost.put("unit_price_micros", charge.getUnitPriceMicros());
    }
    ArrayNode transitions = json.putArray("transitions");
    for (Transition t : lifecycle.getTransitions()) {
      ObjectNode node = transitions.addObject();
      node.put("state", t.getState().name());
      node.put("at", text(t.getEventTime()));
      if (t.getCode() != null) {
        node.put("code", t.getCode());
      }
    }
    json.put("dropped_transitions", lifecycle.getDroppedTransitions());
    return json;
  }

  private static String text(Instant instant) {
    return instant == null ? null : instant.toString();
  }
}
