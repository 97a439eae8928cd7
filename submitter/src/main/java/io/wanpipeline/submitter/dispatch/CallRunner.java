package io.wanpipeline.submitter.dispatch;

import io.wanpipeline.runtime.logging.RequestLogContext;
import io.wanpipeline.submitter.InDoubtReconciler;
import io.wanpipeline.submitter.RequestChecks;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.SubmitOutcome;
import io.wanpipeline.wan.WanClient;
import io.wanpipeline.wan.account.ProviderAccount;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the dispatcher's provider calls (create calls and reconciliations) on the bounded call
 * executor and hands their answers back to the dispatcher thread, which alone writes to Kafka. A
 * call that throws is an answer too: a create call's exception leaves its request in doubt.
 */
final class CallRunner {
  private static final Logger log = LoggerFactory.getLogger(CallRunner.class);

  /** A finished call, handed from a worker thread to the dispatcher thread. */
  sealed interface Completion {
    OwnedPartition owned();

    Lane lane();

    String requestId();
  }

  /** A create call's answer. */
  record Created(
      OwnedPartition owned,
      Lane lane,
      WaitingRequest request,
      ProviderAccount account,
      ApiKey key,
      int attempts,
      Instant firstAttemptAt,
      SubmitOutcome outcome,
      Instant answeredAt)
      implements Completion {
    @Override
    public String requestId() {
      return request.requestId();
    }
  }

  /** A reconciliation's answer: found or not, or {@code tryAgainAfter} when nothing was decided. */
  record Reconciled(
      OwnedPartition owned,
      Lane lane,
      Lane.InDoubt doubt,
      Optional<InDoubtReconciler.Found> found,
      Duration tryAgainAfter)
      implements Completion {
    @Override
    public String requestId() {
      return doubt.waiting().requestId();
    }
  }

  private final Clock clock;
  private final ExecutorService calls;
  private final Function<ProviderAccount, WanClient> clients;
  private final RequestChecks checks;
  private final InDoubtReconciler reconciler;
  private final LinkedBlockingQueue<Completion> completions = new LinkedBlockingQueue<>();

  CallRunner(
      Clock clock,
      ExecutorService calls,
      Function<ProviderAccount, WanClient> clients,
      RequestChecks checks,
      InDoubtReconciler reconciler) {
    this.clock = clock;
    this.calls = calls;
    this.clients = clients;
    this.checks = checks;
    this.reconciler = reconciler;
  }

  /** Starts the create call of {@code request}, attempt number {@code attempts}. */
  @SuppressWarnings("try") // the scope is the logging context of the body
  void create(
      OwnedPartition o,
      Lane lane,
      WaitingRequest request,
      ProviderAccount account,
      ApiKey key,
      int attempts,
      Instant first) {
    try {
      calls.execute(
          () -> {
            SubmitOutcome outcome;
            try (var scope = RequestLogContext.of(request.requestId(), null, account.name())) {
              outcome =
                  clients
                      .apply(account)
                      .submit(key, checks.forProvider(request.request()), request.requestId());
            } catch (RuntimeException e) {
              log.error(
                  "create call threw requestId={} account={} attempt={}; the request is in doubt",
                  request.requestId(),
                  account.name(),
                  attempts,
                  e);
              outcome =
                  new SubmitOutcome.InDoubt("the client failed: " + e.getClass().getSimpleName());
            }
            completions.add(
                new Created(
                    o, lane, request, account, key, attempts, first, outcome, clock.instant()));
          });
    } catch (RejectedExecutionException e) {
      // Only while shutting down; the intent stays and the next owner finds it in doubt.
      log.warn("create call not started requestId={}: {}", request.requestId(), e.toString());
    }
  }

  /** Starts the reconciliation of {@code doubt}, given the task ids the lane already knows. */
  @SuppressWarnings("try") // the scope is the logging context of the body
  void reconcile(
      OwnedPartition o,
      Lane lane,
      Lane.InDoubt doubt,
      Optional<ProviderAccount> account,
      Set<String> knownTaskIds) {
    try {
      calls.execute(
          () -> {
            Optional<InDoubtReconciler.Found> found;
            Duration tryAgainAfter = null;
            try (var scope =
                RequestLogContext.of(
                    doubt.waiting().requestId(),
                    null,
                    account.map(ProviderAccount::name).orElse(null))) {
              found =
                  account.flatMap(
                      a ->
                          reconciler.reconcile(
                              doubt.waiting().request(), a, doubt.intent(), knownTaskIds));
            } catch (InDoubtReconciler.TryLater later) {
              found = Optional.empty();
              tryAgainAfter = later.after();
            } catch (RuntimeException e) {
              log.warn(
                  "reconciling in-doubt requestId={} failed: {}",
                  doubt.waiting().requestId(),
                  e.toString());
              found = Optional.empty();
            }
            completions.add(new Reconciled(o, lane, doubt, found, tryAgainAfter));
          });
    } catch (RejectedExecutionException e) {
      log.warn(
          "reconciliation not started requestId={}: {}", doubt.waiting().requestId(), e.toString());
    }
  }

  /** Whether an answer waits to be recorded. */
  boolean hasCompletions() {
    return !completions.isEmpty();
  }

  /** The answers that arrived, taken. */
  List<Completion> drain() {
    List<Completion> done = new ArrayList<>();
    completions.drainTo(done);
    return done;
  }

  /** The next answer, waiting at most {@code timeout}; empty when none came or interrupted. */
  Optional<Completion> next(Duration timeout) {
    try {
      return Optional.ofNullable(completions.poll(timeout.toMillis(), TimeUnit.MILLISECONDS));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** Stops the workers; calls in flight are abandoned (their requests are found in doubt). */
  void shutdown() {
    calls.shutdownNow();
  }
}
