package io.wanpipeline.submitter;

import io.wanpipeline.events.ErrorInfo;
import io.wanpipeline.events.ErrorStage;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.events.internal.QueuedRequest;
import io.wanpipeline.events.internal.SubmissionKind;
import io.wanpipeline.events.internal.SubmissionLedgerEntry;
import io.wanpipeline.runtime.loop.TransactionalWriter;
import io.wanpipeline.schemas.registry.SchemaRegistryException;
import io.wanpipeline.schemas.topics.Topic;
import io.wanpipeline.schemas.topics.Topics;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.account.ProviderAccount;
import io.wanpipeline.wan.account.ProviderAccounts;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The intake's handling of one record of {@code video-requests}: decode (unreadable to the DLQ),
 * check the request_id, dedupe against the {@code submissions} ledger, validate, and queue a fresh
 * valid request on {@code submission-queue} for the dispatcher of its (account, model), all with
 * the record's offset in one transaction. It never calls the provider and never waits on it.
 *
 * <p>Over 400 lines: the handling of a record and the dead-lettering of one whose outputs cannot be
 * written build the same endings, so they stay together.
 */
final class RecordHandler {
  private static final Logger log = LoggerFactory.getLogger(RecordHandler.class);

  /** Error code of an unusable request_id. */
  static final String INVALID_REQUEST_ID = "INVALID_REQUEST_ID";

  /** Error code of a request that fails validation. */
  static final String INVALID_REQUEST = RequestChecks.INVALID_REQUEST;

  /** Error code of a request_id reused for a different request. */
  static final String IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED";

  /** Error code of a request whose derived records cannot be written (sent to the DLQ). */
  static final String REQUEST_UNWRITABLE = "REQUEST_UNWRITABLE";

  /** What became of a record. */
  sealed interface Handled {
    /** Finished: its offset is committed. */
    record Done() implements Handled {}

    /** Not finished (the schema registry is unavailable): handle it again at {@code at}. */
    record WaitUntil(Instant at) implements Handled {}
  }

  private static final Handled DONE = new Handled.Done();

  private final Clock clock;
  private final Topics topics;
  private final Topic<String, SubmissionLedgerEntry> ledgerTopic;
  private final Topic<String, QueuedRequest> queueTopic;
  private final SubmissionLedger ledger;
  private final ProviderAccounts accounts;
  private final RequestChecks checks;
  private final TransactionalWriter<byte[], byte[]> transactor;
  private final SubmitterMeters meters;
  private final StatusEvents events;

  RecordHandler(
      Clock clock,
      Topics topics,
      Topic<String, SubmissionLedgerEntry> ledgerTopic,
      Topic<String, QueuedRequest> queueTopic,
      SubmissionLedger ledger,
      ProviderAccounts accounts,
      RequestChecks checks,
      TransactionalWriter<byte[], byte[]> transactor,
      SubmitterMeters meters) {
    this.clock = Objects.requireNonNull(clock);
    this.topics = Objects.requireNonNull(topics);
    this.ledgerTopic = Objects.requireNonNull(ledgerTopic);
    this.queueTopic = Objects.requireNonNull(queueTopic);
    this.ledger = Objects.requireNonNull(ledger);
    this.accounts = Objects.requireNonNull(accounts);
    this.checks = Objects.requireNonNull(checks);
    this.transactor = Objects.requireNonNull(transactor);
    this.meters = Objects.requireNonNull(meters);
    this.events = new StatusEvents(clock);
  }

  Handled handle(ConsumerRecord<byte[], byte[]> record) {
    TopicPartition source = new TopicPartition(record.topic(), record.partition());
    VideoRequest request;
    try {
      if (record.value() == null) {
        return deadLetter(
            record,
            SubmitterMeters.DeadLetter.TOMBSTONE,
            "the record has no value (a tombstone is not a request)",
            null);
      }
      request = topics.videoRequests().value(record.value());
    } catch (SerializationException e) {
      return deadLetter(
          record,
          SubmitterMeters.DeadLetter.UNREADABLE,
          "cannot read a VideoRequest: " + e.getMessage(),
          e);
    } catch (SchemaRegistryException e) {
      if (e.errorCode() == 40403 || e.errorCode() == 404) {
        return deadLetter(
            record,
            SubmitterMeters.DeadLetter.UNKNOWN_SCHEMA,
            "the writer schema is unknown: " + e.getMessage(),
            e);
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
    VideoRequest eventView = RequestSizeLimit.forEvents(request);
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
              eventView,
              RequestedFacts.NONE,
              providerAccountName,
              validationError(INVALID_REQUEST_ID, "request_id", badId.get()));
      transactor.commit(List.of(status(rejected)), source, record.offset() + 1);
      rejected(INVALID_REQUEST_ID);
      return DONE;
    }

    String fingerprint = RequestFingerprint.of(request);
    LedgerCheck.Verdict verdict =
        LedgerCheck.intake(ledger.find(record.partition(), requestId), fingerprint);
    GenerationRequest generation = RequestMapper.toGeneration(request);
    RequestedFacts facts = checks.facts(generation);
    Context ctx = new Context(record, source, request, fingerprint);
    if (verdict instanceof LedgerCheck.Verdict.Skip skip) {
      log.debug(
          "skipping requestId={} already {} partition={} offset={}",
          requestId,
          skip.entry().getKind(),
          record.partition(),
          record.offset());
      transactor.commit(List.of(), source, record.offset() + 1);
      meters.intaken(SubmitterMeters.Intake.DUPLICATE);
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
          List.of(status(events.rejected(eventView, facts, providerAccountName, error))),
          source,
          record.offset() + 1);
      rejected(IDEMPOTENCY_KEY_REUSED);
      return DONE;
    }

    // Fresh: validate, then queue for the dispatcher of its (account, model).
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
            : checks.violations(request, account.get());
    Optional<ErrorInfo> tooLarge = RequestSizeLimit.check(record.value().length, request);
    if (tooLarge.isPresent()) {
      // Refused for its size first, whatever else is wrong: its derived records may not be
      // writable.
      invalid = tooLarge;
    }
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
              status(events.rejected(eventView, facts, providerAccountName, invalid.get()))),
          source,
          record.offset() + 1);
      ledger.record(record.partition(), entry);
      rejected(invalid.get().getCode());
      return DONE;
    }
    Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    QueuedRequest queued =
        QueuedRequest.newBuilder()
            .setRequest(request)
            .setFingerprint(fingerprint)
            .setQueuedAt(now)
            .setSourcePartition(record.partition())
            .build();
    SubmissionLedgerEntry entry = entry(ctx, SubmissionKind.QUEUED).build();
    String laneKey = SubmissionQueue.key(account.get().name(), request.getModel());
    transactor.commit(
        List.of(
            ledger(ctx, entry),
            new ProducerRecord<>(
                queueTopic.name(), queueTopic.keyBytes(laneKey), queueTopic.valueBytes(queued))),
        source,
        record.offset() + 1);
    ledger.record(record.partition(), entry);
    meters.intaken(SubmitterMeters.Intake.QUEUED);
    log.debug(
        "queued requestId={} lane={} priority={} partition={} offset={}",
        requestId,
        laneKey,
        request.getPriority(),
        record.partition(),
        record.offset());
    return DONE;
  }

  /**
   * Ends a record whose outputs could not be written ({@code failure}: too large, invalid) instead
   * of reading it again forever: the record goes to the dead-letter topic with the cause in its
   * headers and, when it is a request with a usable request_id, ends REJECTED {@code
   * REQUEST_UNWRITABLE} (without metadata) and is recorded in the ledger. A dead letter too large
   * for the topic keeps its headers and drops its value (the original stays at the source offset).
   *
   * @throws TransactionalWriter.Unwritable when not even the dead letter without its value can be
   *     written
   */
  Handled unwritable(
      ConsumerRecord<byte[], byte[]> record, TransactionalWriter.Unwritable failure) {
    log.warn(
        "outputs cannot be written, sending the record to the dead-letter topic topic={}"
            + " partition={} offset={}: {}",
        record.topic(),
        record.partition(),
        record.offset(),
        failure.reason());
    TopicPartition source = new TopicPartition(record.topic(), record.partition());
    String dlq = topics.videoRequestsDlq().name();
    String reason = failure.reason();
    Optional<Ending> ending = endingOfUnwritable(record, failure);
    List<List<ProducerRecord<byte[], byte[]>>> attempts = new ArrayList<>();
    if (!failure.topic().equals(dlq)) {
      attempts.add(withEnding(DeadLetters.of(dlq, record, reason, failure.errorClass()), ending));
    }
    attempts.add(
        withEnding(DeadLetters.withoutValue(dlq, record, reason, failure.errorClass()), ending));
    if (ending.isPresent()) {
      attempts.add(List.of(DeadLetters.withoutValue(dlq, record, reason, failure.errorClass())));
    }
    TransactionalWriter.Unwritable last = failure;
    for (List<ProducerRecord<byte[], byte[]>> attempt : attempts) {
      try {
        transactor.commit(attempt, source, record.offset() + 1);
        meters.intaken(SubmitterMeters.Intake.DEAD_LETTERED);
        meters.deadLettered(SubmitterMeters.DeadLetter.UNWRITABLE);
        if (attempt.size() > 1) {
          ending
              .filter(e -> e.entry() != null)
              .ifPresent(e -> ledger.record(record.partition(), e.entry()));
          meters.rejected(REQUEST_UNWRITABLE);
        }
        return DONE;
      } catch (TransactionalWriter.Unwritable again) {
        log.warn(
            "dead letter not written, trying a smaller one topic={} partition={} offset={}: {}",
            record.topic(),
            record.partition(),
            record.offset(),
            again.reason());
        last = again;
      }
    }
    throw last;
  }

  /** The REJECTED status and ledger entry of an unwritable request, if it is a usable request. */
  private Optional<Ending> endingOfUnwritable(
      ConsumerRecord<byte[], byte[]> record, TransactionalWriter.Unwritable failure) {
    VideoRequest request;
    try {
      if (record.value() == null) {
        return Optional.empty();
      }
      request = topics.videoRequests().value(record.value());
    } catch (RuntimeException unreadable) {
      return Optional.empty();
    }
    String requestId = request.getRequestId();
    String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    if (RequestIdPolicy.problem(requestId).isPresent() || !requestId.equals(key)) {
      return Optional.empty();
    }
    VideoRequest slim = VideoRequest.newBuilder(request).setMetadata(new HashMap<>()).build();
    String providerAccountName =
        accounts
            .resolve(request.getProviderAccount())
            .map(ProviderAccount::name)
            .orElse(
                request.getProviderAccount() == null
                    ? accounts.defaultAccount().name()
                    : request.getProviderAccount());
    ErrorInfo error =
        ErrorInfo.newBuilder()
            .setCode(REQUEST_UNWRITABLE)
            .setMessage(
                "the pipeline cannot write this request's records ("
                    + failure.reason()
                    + "); it was sent to the dead-letter topic and its metadata is not copied"
                    + " onto this event")
            .setRetryable(false)
            .setStage(ErrorStage.VALIDATION)
            .setField(null)
            .build();
    TaskStatus rejected =
        events.rejected(
            slim, checks.facts(RequestMapper.toGeneration(request)), providerAccountName, error);
    if (ledger.find(record.partition(), requestId).isPresent()) {
      // The request_id is already recorded (a reused key): the REJECTED is about this message only.
      return Optional.of(new Ending(List.of(status(rejected)), null));
    }
    Context ctx = new Context(record, null, request, RequestFingerprint.of(request));
    SubmissionLedgerEntry entry =
        entry(ctx, SubmissionKind.REJECTED).setErrorCode(REQUEST_UNWRITABLE).build();
    return Optional.of(new Ending(List.of(ledger(ctx, entry), status(rejected)), entry));
  }

  private static List<ProducerRecord<byte[], byte[]>> withEnding(
      ProducerRecord<byte[], byte[]> deadLetter, Optional<Ending> ending) {
    List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
    out.add(deadLetter);
    ending.ifPresent(e -> out.addAll(e.records()));
    return out;
  }

  /** The records that end a request, and its ledger entry (null when it already has one). */
  private record Ending(
      List<ProducerRecord<byte[], byte[]>> records, SubmissionLedgerEntry entry) {}

  private void rejected(String code) {
    meters.intaken(SubmitterMeters.Intake.REJECTED);
    meters.rejected(code);
  }

  private Handled deadLetter(
      ConsumerRecord<byte[], byte[]> record,
      SubmitterMeters.DeadLetter why,
      String reason,
      Throwable e) {
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
    meters.intaken(SubmitterMeters.Intake.DEAD_LETTERED);
    meters.deadLettered(why);
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
      String fingerprint) {}
}
