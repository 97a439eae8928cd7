package io.wanpipeline.submitter;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.wanpipeline.submitter.dispatch.LaneKey;
import io.wanpipeline.submitter.dispatch.QueueWaitLimit;
import io.wanpipeline.wan.SubmitOutcome;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The submitter's own meters (docs/metrics.md, section submitter), recorded in the service's
 * registry. Every tag is bounded: {@code account} and {@code model} name a lane (a configured
 * account, a catalogued model: the intake queues nothing else), {@code outcome}, {@code code} and
 * {@code reason} closed sets. Counts are taken once the transaction that records them committed,
 * except create calls, counted when answered. Thread-safe: the loops record, the scrape reads.
 */
public final class SubmitterMeters {
  /** What became of a record of {@code video-requests}. */
  public enum Intake {
    QUEUED,
    REJECTED,
    DUPLICATE,
    DEAD_LETTERED
  }

  /** Why a record went to the dead-letter topic. */
  public enum DeadLetter {
    /** A tombstone: no value. */
    TOMBSTONE,
    /** Bytes that are not a VideoRequest. */
    UNREADABLE,
    /** A writer schema the registry does not have. */
    UNKNOWN_SCHEMA,
    /** A request whose derived records cannot be written (too large for a topic). */
    UNWRITABLE
  }

  /** The {@code code} tag of a FAILED whose code came from the provider (an open set). */
  public static final String PROVIDER_REFUSED = "PROVIDER_REFUSED";

  private static final Set<String> PIPELINE_FAILURES =
      Set.of(
          OutcomeDecider.SUBMIT_IN_DOUBT,
          QueueWaitLimit.QUEUE_TIMEOUT,
          RequestChecks.INVALID_REQUEST);

  private final MeterRegistry registry;
  private final Map<LaneKey, LaneReading> lanes = new ConcurrentHashMap<>();

  /** Meters recorded in {@code registry}. */
  public SubmitterMeters(MeterRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
  }

  /** The intake finished a record of {@code video-requests} as {@code outcome}. */
  void intaken(Intake outcome) {
    Counter.builder("wan.requests.intaken")
        .description("Records of video-requests the intake finished, by what became of them")
        .tag("outcome", tag(outcome))
        .register(registry)
        .increment();
  }

  /**
   * The intake ended a request REJECTED with {@code code}, one of the pipeline's own codes (the
   * record's {@link #intaken} outcome is counted apart: a dead-lettered request may be rejected
   * too).
   */
  void rejected(String code) {
    Counter.builder("wan.requests.rejected")
        .description("Requests the intake ended REJECTED, by error code")
        .tag("code", code)
        .register(registry)
        .increment();
  }

  /** The intake sent a record to the dead-letter topic, for {@code reason}. */
  void deadLettered(DeadLetter reason) {
    Counter.builder("wan.requests.dead.lettered")
        .description("Records of video-requests sent to video-requests-dlq, by reason")
        .tag("reason", tag(reason))
        .register(registry)
        .increment();
  }

  /**
   * The dispatcher ended a request of {@code lane} FAILED with {@code code}: the pipeline's own
   * codes as they are, every code the provider gave as {@value #PROVIDER_REFUSED}.
   */
  public void failed(LaneKey lane, String code) {
    Counter.builder("wan.requests.failed")
        .description("Requests the dispatcher ended FAILED, by error code")
        .tag("account", lane.account())
        .tag("model", lane.model())
        .tag("code", PIPELINE_FAILURES.contains(code) ? code : PROVIDER_REFUSED)
        .register(registry)
        .increment();
  }

  /** The dispatcher ended a waiting request of {@code lane} CANCELED, by a command. */
  public void canceled(LaneKey lane) {
    Counter.builder("wan.requests.canceled")
        .description("Requests the dispatcher ended CANCELED before any create call, by command")
        .tag("account", lane.account())
        .tag("model", lane.model())
        .register(registry)
        .increment();
  }

  /** A create call of {@code lane} was answered with {@code outcome}. */
  public void createCall(LaneKey lane, SubmitOutcome outcome) {
    String result;
    if (outcome instanceof SubmitOutcome.Accepted) {
      result = "accepted";
    } else if (outcome instanceof SubmitOutcome.Refused refused) {
      result = refused.error().throttled() ? "throttled" : "refused";
    } else {
      result = "in_doubt";
    }
    Counter.builder("wan.submit.calls")
        .description("Create calls made to the provider, by outcome")
        .tag("account", lane.account())
        .tag("model", lane.model())
        .tag("outcome", result)
        .register(registry)
        .increment();
  }

  /**
   * What the dispatcher sees of {@code lane} now: {@code waiting} requests queued, {@code
   * inProgress} tasks in progress of a cap of {@code maxInProgress}.
   */
  public void lane(LaneKey lane, int waiting, int inProgress, int maxInProgress) {
    LaneReading r = lanes.computeIfAbsent(lane, this::register);
    r.waiting = waiting;
    r.inProgress = inProgress;
    r.maxInProgress = maxInProgress;
  }

  /** The dispatcher no longer has the lanes other than {@code present}: they read 0. */
  public void lanesOtherThan(Set<LaneKey> present) {
    lanes.forEach(
        (key, r) -> {
          if (!present.contains(key)) {
            r.waiting = 0;
            r.inProgress = 0;
            r.maxInProgress = 0;
          }
        });
  }

  private LaneReading register(LaneKey lane) {
    LaneReading r = new LaneReading();
    gauge(
        "wan.dispatch.waiting",
        "Requests waiting in the lane's queue for their create call",
        lane,
        r,
        x -> x.waiting);
    gauge(
        "wan.dispatch.in.progress",
        "Tasks of the lane in progress at the provider",
        lane,
        r,
        x -> x.inProgress);
    gauge(
        "wan.dispatch.in.progress.max",
        "The lane's cap of tasks in progress (max-in-progress of the model)",
        lane,
        r,
        x -> x.maxInProgress);
    return r;
  }

  private void gauge(
      String name,
      String description,
      LaneKey lane,
      LaneReading r,
      java.util.function.ToDoubleFunction<LaneReading> value) {
    Gauge.builder(name, r, value)
        .description(description)
        .tag("account", lane.account())
        .tag("model", lane.model())
        .strongReference(true)
        .register(registry);
  }

  private static String tag(Enum<?> e) {
    return e.name().toLowerCase(java.util.Locale.ROOT);
  }

  /** The last reading of a lane, written by the dispatcher thread, read by the scrape. */
  private static final class LaneReading {
    volatile int waiting;
    volatile int inProgress;
    volatile int maxInProgress;
  }
}
