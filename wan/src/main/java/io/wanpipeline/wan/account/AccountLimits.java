package io.wanpipeline.wan.account;

import io.wanpipeline.wan.catalogue.ModelCatalogue;
import io.wanpipeline.wan.catalogue.ModelSpec;
import io.wanpipeline.wan.catalogue.ProviderLimits;
import io.wanpipeline.wan.catalogue.Region;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The provider's limits for one account (docs/protocol.md 1.9): task queries per second for the
 * whole account, and per model the create-task rate and the number of tasks in progress.
 *
 * @param queryRate task queries (single, list and cancel together) per second for the whole
 *     account; default {@link #DEFAULT_QUERY_RATE}
 * @param models the limits of each model by provider model id: the catalogue's defaults for the
 *     account's region, with the configured overrides applied
 * @param fallback the limits of a model missing from {@code models} (not in the catalogue)
 * @param queueAhead tasks per model the pipeline submits beyond {@link #maxInProgress} for a
 *     provider that queues them as PENDING instead of refusing them, within {@code 0..}{@value
 *     #MAX_QUEUE_AHEAD}; 0 (the default) submits none beyond the cap
 */
public record AccountLimits(
    double queryRate, Map<String, ModelLimits> models, ModelLimits fallback, int queueAhead) {

  /** The most {@link #queueAhead} can be: more only lengthens the PENDING wait at the provider. */
  public static final int MAX_QUEUE_AHEAD = 100;

  /** Task queries per second of an account when none is configured (docs/protocol.md 1.9). */
  public static final double DEFAULT_QUERY_RATE = 20;

  /** The limits of a model the catalogue does not know: one create call a second, one task. */
  public static final ModelLimits UNKNOWN_MODEL = new ModelLimits(1, 1);

  /**
   * The limits of one model in one account.
   *
   * @param submitRate create-task calls per second, positive
   * @param maxInProgress tasks in progress at once (PENDING or RUNNING), at least 1
   */
  public record ModelLimits(double submitRate, int maxInProgress) {
    public ModelLimits {
      if (!(submitRate > 0) || Double.isInfinite(submitRate)) {
        throw new IllegalArgumentException("submit rate must be positive, got " + submitRate);
      }
      if (maxInProgress < 1) {
        throw new IllegalArgumentException(
            "tasks in progress must be at least 1, got " + maxInProgress);
      }
    }

    /** The catalogue's limits as model limits. */
    public static ModelLimits of(ProviderLimits limits) {
      return new ModelLimits(limits.submitRps(), limits.concurrentTasks());
    }
  }

  public AccountLimits {
    if (!(queryRate > 0) || Double.isInfinite(queryRate)) {
      throw new IllegalArgumentException("query rate must be positive, got " + queryRate);
    }
    models = Map.copyOf(models);
    Objects.requireNonNull(fallback, "fallback");
    if (queueAhead < 0 || queueAhead > MAX_QUEUE_AHEAD) {
      throw new IllegalArgumentException(
          "queue-ahead must be within 0.." + MAX_QUEUE_AHEAD + ", got " + queueAhead);
    }
  }

  /** Limits that submit nothing beyond the cap. */
  public AccountLimits(double queryRate, Map<String, ModelLimits> models, ModelLimits fallback) {
    this(queryRate, models, fallback, 0);
  }

  /**
   * The catalogue's defaults in {@code region} and {@link #DEFAULT_QUERY_RATE}. A model not offered
   * in the region (the submitter refuses it there anyway) gets its lowest limits of any region.
   */
  public static AccountLimits defaults(ModelCatalogue catalogue, Region region) {
    Map<String, ModelLimits> models = new LinkedHashMap<>();
    for (ModelSpec spec : catalogue.all()) {
      ProviderLimits limits =
          spec.limitsIn(region)
              .orElseGet(
                  () ->
                      spec.limits().values().stream()
                          .min(
                              Comparator.comparingInt(ProviderLimits::submitRps)
                                  .thenComparingInt(ProviderLimits::concurrentTasks))
                          .orElseThrow());
      models.put(spec.id(), ModelLimits.of(limits));
    }
    return new AccountLimits(DEFAULT_QUERY_RATE, models, UNKNOWN_MODEL);
  }

  /** The limits of {@code model}; {@link #fallback()} for a model the catalogue does not know. */
  public ModelLimits of(String model) {
    ModelLimits limits = model == null ? null : models.get(model);
    return limits == null ? fallback : limits;
  }

  /** Create-task calls per second this account may make for {@code model}. */
  public double submitRate(String model) {
    return of(model).submitRate();
  }

  /** Tasks of {@code model} this account may have in progress (PENDING or RUNNING) at once. */
  public int maxInProgress(String model) {
    return of(model).maxInProgress();
  }

  /**
   * Tasks of {@code model} the submitter keeps submitted and not ended at once: {@link
   * #maxInProgress} plus {@link #queueAhead}.
   */
  public int admitted(String model) {
    return maxInProgress(model) + queueAhead;
  }

  /**
   * Task calls per second of {@link #queryRate()} kept for the submitters' in-doubt reconciliation
   * (list calls): a tenth of the rate, at most 2 (2 of the default 20).
   */
  public double reconcileRate() {
    return Math.min(2, queryRate / 10);
  }

  /**
   * Task calls per second of {@link #queryRate()} kept for the archivers' queries for fresh result
   * links (one per succeeded task, and one per expired link): a tenth of the rate (2 of the default
   * 20), shared by the archiver instances by the partitions each owns.
   */
  public double archiveRate() {
    return queryRate / 10;
  }

  /**
   * Task calls per second the pollers share: {@link #queryRate()} less {@link #reconcileRate()} and
   * {@link #archiveRate()} (16 of the default 20).
   */
  public double pollRate() {
    return queryRate - reconcileRate() - archiveRate();
  }

  /** A copy with another account-wide query rate. */
  public AccountLimits withQueryRate(double rate) {
    return new AccountLimits(rate, models, fallback, queueAhead);
  }

  /** A copy that submits {@code tasks} per model beyond the cap. */
  public AccountLimits withQueueAhead(int tasks) {
    return new AccountLimits(queryRate, models, fallback, tasks);
  }

  /** A copy in which {@code model} has {@code limits}. */
  public AccountLimits with(String model, ModelLimits limits) {
    Map<String, ModelLimits> m = new LinkedHashMap<>(models);
    m.put(Objects.requireNonNull(model, "model"), Objects.requireNonNull(limits, "limits"));
    return new AccountLimits(queryRate, m, fallback, queueAhead);
  }
}
