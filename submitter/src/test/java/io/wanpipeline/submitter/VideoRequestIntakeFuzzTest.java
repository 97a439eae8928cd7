package io.wanpipeline.submitter;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.wanpipeline.events.ErrorInfo;
import io.wanpipeline.events.ErrorStage;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.events.internal.QueuedRequest;
import io.wanpipeline.events.internal.SubmissionKind;
import io.wanpipeline.events.internal.SubmissionLedgerEntry;
import io.wanpipeline.schemas.registry.InMemorySchemaRegistry;
import io.wanpipeline.schemas.registry.SchemaRegistryException;
import io.wanpipeline.schemas.topics.Topic;
import io.wanpipeline.schemas.topics.TopicNames;
import io.wanpipeline.schemas.topics.Topics;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.account.ProviderAccount;
import io.wanpipeline.wan.account.ProviderAccounts;
import io.wanpipeline.wan.catalogue.ModelCatalogue;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Fuzzes the intake with arbitrary bytes as the value of a {@code video-requests} record (the
 * Confluent framing included): the Avro reader, then the steps {@link RecordHandler} takes before
 * its transaction (request_id policy, fingerprint, mapping, catalogue facts, validation against the
 * account's region) and the records it would write. Each record must end in one of the documented
 * outcomes (dead letter, REJECTED naming a field, or queued) and every record written must be
 * writable; nothing else may be thrown. Writer schema id 1 is the current VideoRequest schema.
 */
class VideoRequestIntakeFuzzTest {
  private static final InMemorySchemaRegistry REGISTRY = new InMemorySchemaRegistry();
  private static final Topics TOPICS = new Topics(TopicNames.DEFAULT, REGISTRY);
  private static final Topic<String, QueuedRequest> QUEUE =
      SubmissionQueue.topic(TopicNames.DEFAULT, REGISTRY);
  private static final Topic<String, SubmissionLedgerEntry> LEDGER =
      SubmissionLedger.topic(TopicNames.DEFAULT, REGISTRY);
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-03-01T08:00:00Z"), ZoneOffset.UTC);
  private static final ProviderAccounts ACCOUNTS =
      new ProviderAccounts(
          List.of(
              new ProviderAccount(
                  "default",
                  "dashscope",
                  URI.create("https://dashscope.aliyuncs.com"),
                  "cn",
                  List.of(new ApiKey("default#0", "sk-fuzz"))),
              new ProviderAccount(
                  "intl",
                  "dashscope",
                  URI.create("https://dashscope-intl.aliyuncs.com"),
                  "intl",
                  List.of(new ApiKey("intl#0", "sk-fuzz")))),
          "default");
  private static final RequestChecks CHECKS = new RequestChecks(ModelCatalogue.standard());
  private static final StatusEvents EVENTS = new StatusEvents(CLOCK);

  static {
    // id 1: the writer schema of every seed
    TOPICS.videoRequests().valueBytes(Requests.i2v("seed"));
  }

  @FuzzTest(maxDuration = "10s")
  void everyRecordIsDeadLetteredRejectedOrQueued(byte[] value) {
    ConsumerRecord<byte[], byte[]> record =
        new ConsumerRecord<>(TOPICS.videoRequests().name(), 0, 42L, null, value);
    VideoRequest request;
    try {
      request = TOPICS.videoRequests().value(value);
    } catch (SerializationException e) {
      DeadLetters.of(TOPICS.videoRequestsDlq().name(), record, "cannot read: " + e.getMessage(), e);
      return;
    } catch (SchemaRegistryException e) {
      assertThat(e.errorCode()).as("only an unknown schema id is possible here").isEqualTo(40403);
      return;
    }
    assertThat(request).isNotNull();

    String providerAccount =
        ACCOUNTS
            .resolve(request.getProviderAccount())
            .map(ProviderAccount::name)
            .orElse(
                request.getProviderAccount() == null
                    ? ACCOUNTS.defaultAccount().name()
                    : request.getProviderAccount());
    Optional<String> badId = RequestIdPolicy.problem(request.getRequestId());
    if (badId.isPresent()) {
      written(
          EVENTS.rejected(
              request, RequestedFacts.NONE, providerAccount, error("request_id", badId.get())));
      return;
    }
    String fingerprint = RequestFingerprint.of(request);
    GenerationRequest generation = RequestMapper.toGeneration(request);
    RequestedFacts facts = CHECKS.facts(generation);
    Optional<ProviderAccount> account = ACCOUNTS.resolve(request.getProviderAccount());
    Optional<ErrorInfo> invalid =
        account.isEmpty()
            ? Optional.of(error("provider_account", "unknown provider account"))
            : CHECKS.violations(generation, account.get());
    SubmissionKind kind = invalid.isPresent() ? SubmissionKind.REJECTED : SubmissionKind.QUEUED;
    LEDGER.valueBytes(
        SubmissionLedgerEntry.newBuilder()
            .setRequestId(request.getRequestId())
            .setKind(kind)
            .setFingerprint(fingerprint)
            .setRecordedAt(CLOCK.instant())
            .setFirstAttemptAt(null)
            .setAttempts(0)
            .setRetryAt(null)
            .setTaskId(null)
            .setApiKeyRef(null)
            .setSubmittedAt(null)
            .setErrorCode(invalid.map(ErrorInfo::getCode).orElse(null))
            .build());
    if (invalid.isPresent()) {
      assertThat(invalid.get().getField()).as("a rejection names the field").isNotBlank();
      assertThat(invalid.get().getMessage()).isNotBlank();
      written(EVENTS.rejected(request, facts, providerAccount, invalid.get()));
      return;
    }
    QUEUE.valueBytes(
        QueuedRequest.newBuilder()
            .setRequest(request)
            .setFingerprint(fingerprint)
            .setQueuedAt(CLOCK.instant())
            .setSourcePartition(0)
            .build());
    QUEUE.keyBytes(SubmissionQueue.key(account.get().name(), request.getModel()));
  }

  private static void written(TaskStatus event) {
    assertThat(event.getError().getField()).isNotBlank();
    TOPICS.taskStatus().valueBytes(event);
  }

  private static ErrorInfo error(String field, String message) {
    return ErrorInfo.newBuilder()
        .setCode(RequestChecks.INVALID_REQUEST)
        .setMessage(message)
        .setRetryable(false)
        .setStage(ErrorStage.VALIDATION)
        .setField(field)
        .build();
  }
}
