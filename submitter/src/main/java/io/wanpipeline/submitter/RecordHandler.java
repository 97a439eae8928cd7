package io.wanpipeline.submitter;

import io.wanpipeline.events.ErrorInfo;
import io.wanpipeline.events.ErrorStage;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.events.internal.SubmissionKind;
import io.wanpipeline.events.internal.SubmissionLedgerEntry;
import io.wanpipeline.schemas.registry.SchemaRegistryException;
import io.wanpipeline.schemas.topics.Topic;
import io.wanpipeline.schemas.topics.Topics;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.SubmitOutcome;
import io.wanpipeline.wan.WanClient;
import io.wanpipeline.wan.account.ProviderAccount;
import io.wanpipeline.wan.account.ProviderAccounts;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles one record of {@code video-requests}: decode, check, consult the ledger, submit at most
 * once, and record the outcome with the record's offset in one transaction.
 */
final class RecordHandler {
  private static final Logger log = LoggerFactory.getLogger(RecordHandler.class);

  /** Error code of an unusable request_id. */
  static final String INVALID_REQUEST_ID = "INVALID_REQUEST_ID";

  /** Error code of a request that fails validation. */
  static final String INVALID_REQUEST = "INVALID_REQUEST";

  /** Error code of a request_id reused for a different request. */
  static final String IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED";

  /** What became of a record. */
  sealed interface Handled {
    /** Finished: its offset is committed. */
    record Done() implements Handled {}

    /** Not finished: handle it again at {@code at}; the partition waits behind it. */
    record WaitUntil(Instant at) implements Handled {}
  }

  private static final Handled DONE = new Handled.Done();

  private final Clock clock;
  private final Topics topics;
  private final Topic<String, SubmissionLedgerEntry> ledgerTopic;
  private final SubmissionLedger ledger;
  private final ProviderAccounts accounts;
  private final Function<ProviderAccount, WanClient> clients;
  private final RequestChecks checks;
  private final OutcomeDecider decider;
  private final InDoubtReconciler reconciler;
  private final Transactor transactor;
  private final StatusEvents events;

  RecordHandler(
      Clock clock,
      Topics topics,
      Topic<String, SubmissionLedgerEntry> ledgerTopic,
      SubmissionLedger ledger,
      ProviderAccounts accounts,
      Function<ProviderAccount, WanClient> clients,
      RequestChecks checks,
      OutcomeDecider decider,
      InDoubtReconciler reconciler,
      Transactor transactor) {
    this.clock = Objects.requireNonNull(clock);
    this.topics = Objects.requireNonNull(topics);
    this.ledgerTopic = Objects.requireNonNull(ledgerTopic);
    this.ledger = Objects.requireNonNull(ledger);
    this.accounts = Objects.requireNonNull(accounts);
    this.clients = Objects.requireNonNull(clients);
    this.checks = Objects.requireNonNull(checks);
    this.decider = Objects.requireNonNull(decider);
    this.reconciler = Objects.requireNonNull(reconciler);
    this.transactor = Objects.requireNonNull(transactor);
    this.events = new StatusEvents(clock);
  }

  Handled handle(ConsumerRecord<byte[], byte[]> record) {
    TopicPartition source = new TopicPartition(record.topic(), record.partition());
    VideoRequest request;
    try {
      if (record.value() == null) {
        return deadLetter(record, "the record has no value (a tombstone is not a request)", null);
      }
      request = topics.videoRequests().value(record.value());
    } catch (SerializationException e) {
      return deadLetter(record, "cannot read a VideoRequest: " + e.getMessage(), e);
    } catch (SchemaRegistryException e) {
      if (e.errorCode() == 40403 || e.errorCode() == 404) {
        return deadLetter(record, "the writer schema is unknown: " + e.getMessage(), e);
      }
      Instant retryAt = clock.instant().plusSeconds(5);
      log.warn(
          "schema registry unavailable, retrying at {} topic={} partition={} offset={}: {}",
          retryAt,
          record.topic(),
          record.partition(),
          record.offset(),
          e.getMessage());
      return new Handled.WaitUntil(retryAt);
    }
    String requestId = request.getRequestId();
    String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    Optional<String> badId = RequestIdPolicy.problem(requestId);
    if (badId.isEmpty() && !requestId.equals(key)) {
      badId =
          Optional.of(
              "the record key must be the request_id, so that one request_id always lands in one"
                  + " partition");
    }
    String providerAccountName =
        accounts
            .resolve(request.getProviderAccount())
            .map(ProviderAccount::name)
            .orElse(
                request.getProviderAccount() == null
                    ? accounts.defaultAccount().name()
                    : request.getProviderAccount());
    if (badId.isPresent()) {
      log.info(
          "rejected requestId={} partition={} offset={}: {}",
          abbreviate(requestId),
          record.partition(),
          record.offset(),
          badId.get());
      TaskStatus rejected =
          events.rejected(
              request,
              RequestedFacts.NONE,
              providerAccountName,
              validationError(INVALID_REQUEST_ID, "request_id", badId.get()));
      transactor.commit(List.of(status(rejected)), source, record.offset() + 1);
      return DONE;
    }

    String fingerprint = RequestFingerprint.of(request);
    LedgerCheck.Verdict verdict =
        LedgerCheck.check(ledger.find(record.partition(), requestId), fingerprint);
    GenerationRequest generation = RequestMapper.toGeneration(request);
    RequestedFacts facts = checks.facts(generation);
    Context ctx =
        new Context(record, source, request, generation, facts, fingerprint, providerAccountName);
    if (verdict instanceof LedgerCheck.Verdict.Skip skip) {
      log.debug(
          "skipping requestId={} already {} partition={} offset={}",
          requestId,
          skip.entry().getKind(),
          record.partition(),
          record.offset());
      transactor.commit(List.of(), source, record.offset() + 1);
      return DONE;
    }
    if (verdict instanceof LedgerCheck.Verdict.KeyReused reused) {
      log.warn(
          "rejected requestId={} partition={} offset={}: request_id already used for a different"
              + " request ({})",
          requestId,
          record.partition(),
          record.offset(),
          reused.entry().getKind());
      ErrorInfo error =
          validationError(
              IDEMPOTENCY_KEY_REUSED,
              "request_id",
              "request_id was already used for a different request; use a new request_id for new"
                  + " content");
      transactor.commit(
          List.of(status(events.rejected(request, facts, providerAccountName, error))),
          source,
          record.offset() + 1);
      return DONE;
    }
    if (verdict instanceof LedgerCheck.Verdict.InDoubt inDoubt) {
      return settleInDoubt(ctx, inDoubt.entry());
    }
    if (verdict instanceof LedgerCheck.Verdict.Resume resume) {
      Instant now = clock.instant();
      if (resume.retryAt().isAfter(now)) {
        return new Handled.WaitUntil(resume.retryAt());
      }
      Optional<ProviderAccount> account = accounts.resolve(request.getProviderAccount());
      if (account.isEmpty()) {
        // The account was removed from the configuration while the request waited.
        fail(
            ctx,
            providerAccountName,
            validationError(
                INVALID_REQUEST,
                "provider_account",
                "provider account '" + request.getProviderAccount() + "' is no longer configured"),
            resume.attempts(),
            resume.firstAttemptAt());
        return DONE;
      }
      return attempt(ctx, account.get(), resume.attempts(), resume.firstAttemptAt());
    }

    // Fresh: validate before the first call.
    Optional<ProviderAccount> account = accounts.resolve(request.getProviderAccount());
    Optional<ErrorInfo> invalid =
        account.isEmpty()
            ? Optional.of(
                validationError(
                    INVALID_REQUEST,
                    "provider_account",
                    "unknown provider account '"
                        + request.getProviderAccount()
                        + "'; configured: "
                        + accounts.all().stream().map(ProviderAccount::name).toList()))
            : checks.violations(generation, account.get());
    if (invalid.isPresent()) {
      log.info(
          "rejected requestId={} partition={} offset={}: {} {}",
          requestId,
          record.partition(),
          record.offset(),
          invalid.get().getField(),
          invalid.get().getMessage());
      SubmissionLedgerEntry entry =
          entry(ctx, SubmissionKind.REJECTED).setErrorCode(invalid.get().getCode()).build();
      transactor.commit(
          List.of(
              ledger(ctx, entry),
              status(events.rejected(request, facts, providerAccountName, invalid.get()))),
          source,
          record.offset() + 1);
      ledger.record(record.partition(), entry);
      return DONE;
    }
    return attempt(ctx, account.get(), 0, null);
  }

  private Handled attempt(
      Context ctx, ProviderAccount account, int previousAttempts, Instant firstAttemptAt) {
    Instant now = clock.instant();
    int attempts = previousAttempts + 1;
    Instant first = firstAttemptAt == null ? now : firstAttemptAt;
    SubmissionLedgerEntry intent =
        entry(ctx, SubmissionKind.INTENT).setAttempts(attempts).setFirstAttemptAt(first).build();
    // The intent is durable before the call: a crash from here on leaves the request in doubt,
    // never resubmitted. The offset stays on this record.
    transactor.commit(List.of(ledger(ctx, intent)), ctx.source, ctx.record.offset());
    ledger.record(ctx.record.partition(), intent);

    ApiKey key = account.submitKey();
    String requestId = ctx.request.getRequestId();
    SubmitOutcome outcome;
    try {
      outcome = clients.apply(account).submit(key, ctx.generation, requestId);
    } catch (RuntimeException e) {
      log.error(
          "create call threw requestId={} account={} attempt={}; the request is in doubt",
          requestId,
          account.name(),
          attempts,
          e);
      outcome = new SubmitOutcome.InDoubt("the client failed: " + e.getClass().getSimpleName());
    }
    Instant answeredAt = clock.instant();
    OutcomeDecider.Step step = decider.decide(outcome, attempts, first, answeredAt);
    if (step instanceof OutcomeDecider.Step.Submitted submitted) {
      SubmissionLedgerEntry entry =
          entry(ctx, SubmissionKind.SUBMITTED)
              .setAttempts(attempts)
              .setFirstAttemptAt(first)
              .setTaskId(submitted.taskId())
              .setApiKeyRef(key.ref())
              .setSubmittedAt(answeredAt.truncatedTo(ChronoUnit.MILLIS))
              .build();
      TaskStatus event =
          events.submitted(
              ctx.request, ctx.facts, account.name(), submitted.taskId(), key.ref(), answeredAt);
      transactor.commit(
          List.of(ledger(ctx, entry), status(event)), ctx.source, ctx.record.offset() + 1);
      ledger.record(ctx.record.partition(), entry);
      log.info(
          "submitted requestId={} taskId={} account={} model={} attempt={}",
          requestId,
          submitted.taskId(),
          account.name(),
          ctx.request.getModel(),
          attempts);
      return DONE;
    }
    if (step instanceof OutcomeDecider.Step.Retry retry) {
      SubmissionLedgerEntry entry =
          entry(ctx, SubmissionKind.DEFERRED)
              .setAttempts(attempts)
              .setFirstAttemptAt(first)
              .setRetryAt(retry.retryAt().truncatedTo(ChronoUnit.MILLIS))
              .setErrorCode(retry.cause().code())
              .build();
      transactor.commit(List.of(ledger(ctx, entry)), ctx.source, ctx.record.offset());
      ledger.record(ctx.record.partition(), entry);
      log.debug(
          "refused for now requestId={} account={} attempt={} code={} retryAt={}",
          requestId,
          account.name(),
          attempts,
          retry.cause().code(),
          retry.retryAt());
      return new Handled.WaitUntil(retry.retryAt());
    }
    ErrorInfo error = ((OutcomeDecider.Step.Failed) step).error();
    fail(ctx, account.name(), error, attempts, first);
    log.warn(
        "failed requestId={} account={} attempt={} code={} retryable={}: {}",
        requestId,
        account.name(),
        attempts,
        error.getCode(),
        error.getRetryable(),
        error.getMessage());
    return DONE;
  }

  private Handled settleInDoubt(Context ctx, SubmissionLedgerEntry intent) {
    String requestId = ctx.request.getRequestId();
    Optional<ProviderAccount> account = accounts.resolve(ctx.request.getProviderAccount());
    Optional<InDoubtReconciler.Found> found =
        account.flatMap(a -> reconciler.reconcile(ctx.request, a, intent, ledger.taskIds()));
    if (found.isPresent()) {
      InDoubtReconciler.Found f = found.get();
      SubmissionLedgerEntry entry =
          entry(ctx, SubmissionKind.SUBMITTED)
              .setAttempts(intent.getAttempts())
              .setFirstAttemptAt(intent.getFirstAttemptAt())
              .setTaskId(f.taskId())
              .setApiKeyRef(f.apiKeyRef())
              .setSubmittedAt(f.submittedAt().truncatedTo(ChronoUnit.MILLIS))
              .build();
      TaskStatus event =
          events.submitted(
              ctx.request,
              ctx.facts,
              ctx.providerAccount,
              f.taskId(),
              f.apiKeyRef(),
              f.submittedAt());
      transactor.commit(
          List.of(ledger(ctx, entry), status(event)), ctx.source, ctx.record.offset() + 1);
      ledger.record(ctx.record.partition(), entry);
      log.info("reconciled in-doubt requestId={} taskId={}", requestId, f.taskId());
      return DONE;
    }
    ErrorInfo error =
        OutcomeDecider.inDoubt(
            "found an intent of attempt "
                + intent.getAttempts()
                + " recorded at "
                + intent.getRecordedAt()
                + " without an answer");
    fail(ctx, ctx.providerAccount, error, intent.getAttempts(), intent.getFirstAttemptAt());
    log.warn(
        "in doubt requestId={} partition={} offset={}: intent recorded at {} without an answer;"
            + " ended FAILED {}",
        requestId,
        ctx.record.partition(),
        ctx.record.offset(),
        intent.getRecordedAt(),
        OutcomeDecider.SUBMIT_IN_DOUBT);
    return DONE;
  }

  private void fail(
      Context ctx, String providerAccount, ErrorInfo error, int attempts, Instant first) {
    SubmissionLedgerEntry entry =
        entry(ctx, SubmissionKind.FAILED)
            .setAttempts(attempts)
            .setFirstAttemptAt(first == null ? null : first.truncatedTo(ChronoUnit.MILLIS))
            .setErrorCode(error.getCode())
            .build();
    TaskStatus event = events.failed(ctx.request, ctx.facts, providerAccount, error);
    transactor.commit(
        List.of(ledger(ctx, entry), status(event)), ctx.source, ctx.record.offset() + 1);
    ledger.record(ctx.record.partition(), entry);
  }

  private Handled deadLetter(ConsumerRecord<byte[], byte[]> record, String reason, Throwable e) {
    log.warn(
        "unreadable record sent to the dead-letter topic topic={} partition={} offset={}: {}",
        record.topic(),
        record.partition(),
        record.offset(),
        reason);
    List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(1);
    out.add(DeadLetters.of(topics.videoRequestsDlq().name(), record, reason, e));
    transactor.commit(
        out, new TopicPartition(record.topic(), record.partition()), record.offset() + 1);
    return DONE;
  }

  private SubmissionLedgerEntry.Builder entry(Context ctx, SubmissionKind kind) {
    return SubmissionLedgerEntry.newBuilder()
        .setRequestId(ctx.request.getRequestId())
        .setKind(kind)
        .setFingerprint(ctx.fingerprint)
        .setRecordedAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
        .setFirstAttemptAt(null)
        .setAttempts(0)
        .setRetryAt(null)
        .setTaskId(null)
        .setApiKeyRef(null)
        .setSubmittedAt(null)
        .setErrorCode(null);
  }

  /** The ledger record of {@code entry}, on the partition number of the request it records. */
  private ProducerRecord<byte[], byte[]> ledger(Context ctx, SubmissionLedgerEntry entry) {
    return new ProducerRecord<>(
        ledgerTopic.name(),
        ctx.record.partition(),
        ledgerTopic.keyBytes(entry.getRequestId()),
        ledgerTopic.valueBytes(entry));
  }

  private ProducerRecord<byte[], byte[]> status(TaskStatus event) {
    Topic<String, TaskStatus> topic = topics.taskStatus();
    return new ProducerRecord<>(
        topic.name(), topic.keyBytes(event.getRequestId()), topic.valueBytes(event));
  }

  private static ErrorInfo validationError(String code, String field, String message) {
    return ErrorInfo.newBuilder()
        .setCode(code)
        .setMessage(message)
        .setRetryable(false)
        .setStage(ErrorStage.VALIDATION)
        .setField(field)
        .build();
  }

  private static String abbreviate(String s) {
    if (s == null) {
      return "null";
    }
    return s.length() <= 80 ? s : s.substring(0, 80) + "...";
  }

  private record Context(
      ConsumerRecord<byte[], byte[]> record,
      TopicPartition source,
      VideoRequest request,
      GenerationRequest generation,
      RequestedFacts facts,
      String fingerprint,
      String providerAccount) {}
}
