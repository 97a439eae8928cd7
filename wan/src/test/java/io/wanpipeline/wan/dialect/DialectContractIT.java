package io.wanpipeline.wan.dialect;

import static io.wanpipeline.wan.testing.Outcomes.accepted;
import static io.wanpipeline.wan.testing.Outcomes.answered;
import static io.wanpipeline.wan.testing.Outcomes.failed;
import static io.wanpipeline.wan.testing.Outcomes.refused;
import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.infra.simulator.SimulatorConfig;
import io.wanpipeline.infra.simulator.WanSimulator;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.QueryOutcome;
import io.wanpipeline.wan.SubmitOutcome;
import io.wanpipeline.wan.TaskListQuery;
import io.wanpipeline.wan.TaskPage;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.WanClient;
import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.dashscope.DashScopeClient;
import io.wanpipeline.wan.dialect.apiyi.ApiyiClient;
import io.wanpipeline.wan.dialect.crazyrouter.CrazyrouterClient;
import io.wanpipeline.wan.dialect.mulerouter.MuleRouterClient;
import io.wanpipeline.wan.dialect.mulerouter.MuleRouterTaskId;
import io.wanpipeline.wan.dialect.vtrix.VtrixClient;
import io.wanpipeline.wan.testing.GenerationRequests;
import io.wanpipeline.wan.testing.Outcomes;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract every dialect's {@link WanClient} keeps, run against each of the five dialects over
 * HTTP against the real Wan simulator (each dialect on its own front end). What a dialect says in
 * its own words (codes, message fragments, whether it reports usage, whether it offers cancel and
 * list) is a column of {@link Dialect}; the behaviour is the same for all. Each dialect's own
 * shapes (bodies, envelopes, ids, raw answers) stay in its {@code *ClientIT}.
 */
class DialectContractIT {

  private static final ApiKey KEY = new ApiKey("contract#0", "sk-contract-it-main");
  private static final ApiKey OTHER_ACCOUNT_KEY =
      new ApiKey("contract-other#0", "sk-contract-it-other");
  private static final ApiKey WRONG_KEY = new ApiKey("contract-wrong#0", "sk-not-configured-777");
  private static final String BAD_MODEL = "wan9.9-i2v-imaginary";

  private static final HttpClient plain = HttpClient.newHttpClient();
  private static WanSimulator sim;

  /**
   * One dialect, as the suite drives it and what it expects in the dialect's words.
   *
   * @param name the dialect's name ({@code provider.<name>.dialect})
   * @param client the client of a simulator's front end
   * @param simTaskId the simulator's id of a task id the client handed out
   * @param unknownTaskId a well-formed id of a task that was never created
   * @param reportsUsage whether a succeeded answer carries usage
   * @param reportsEndTime whether a finished answer carries its end time
   * @param queuedStatus the status of a task waiting in the provider's queue
   * @param failurePrefix how a failed task's message starts in this dialect ("" for any)
   * @param throttleCode the code of a throttled create call
   * @param unauthorizedCode the code of a create call with an unknown key
   * @param badModelStatus the HTTP status refusing an unknown model (0: refused before any call, so
   *     the simulator records no submission)
   * @param badModelCode the code refusing an unknown model
   * @param badModelText a fragment of the message refusing an unknown model
   * @param badParameterCode the code refusing an unsupported resolution
   * @param unsupportedText a fragment of the message of cancel and list; null when both are offered
   */
  record Dialect(
      String name,
      Function<WanSimulator, WanClient> client,
      UnaryOperator<String> simTaskId,
      String unknownTaskId,
      boolean reportsUsage,
      boolean reportsEndTime,
      ProviderStatus queuedStatus,
      String failurePrefix,
      String throttleCode,
      String unauthorizedCode,
      int badModelStatus,
      String badModelCode,
      String badModelText,
      String badParameterCode,
      String unsupportedText) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Dialect> dialects() {
    String uuid = "00000000-0000-0000-0000-000000000000";
    return Stream.of(
        new Dialect(
            "dashscope",
            s -> transport(s).build(),
            id -> id,
            uuid,
            true,
            true,
            ProviderStatus.PENDING,
            "",
            "Throttling.RateQuota",
            "InvalidApiKey",
            400,
            "InvalidParameter",
            "Model not exist.",
            "InvalidParameter",
            null),
        new Dialect(
            CrazyrouterClient.DIALECT,
            s -> CrazyrouterClient.create(transport(s)),
            id -> id,
            uuid,
            true,
            true,
            ProviderStatus.PENDING,
            "",
            "Throttling.RateQuota",
            "HTTP_401",
            503,
            "model_not_found",
            BAD_MODEL,
            "InvalidParameter",
            "not supported by crazyrouter"),
        new Dialect(
            ApiyiClient.DIALECT,
            s -> ApiyiClient.create(transport(s)),
            id -> id,
            uuid,
            false,
            true,
            ProviderStatus.PENDING,
            "",
            "Throttling.RateQuota",
            "new_api_error",
            400,
            "InvalidParameter",
            "Model not exist.",
            "InvalidParameter",
            "not supported by apiyi"),
        new Dialect(
            MuleRouterClient.DIALECT,
            s ->
                MuleRouterClient.builder()
                    .baseUrl(s.baseUrl())
                    .connectTimeout(Duration.ofSeconds(2))
                    .requestTimeout(Duration.ofSeconds(5))
                    .build(),
            id -> MuleRouterTaskId.parse(id).orElseThrow().id(),
            "wan2.2-i2v-flash/" + uuid,
            false,
            true,
            ProviderStatus.PENDING,
            "Task Execution Error: Video generation failed:",
            "429",
            "401",
            404,
            "404",
            BAD_MODEL,
            "400",
            "MuleRouter offers no"),
        new Dialect(
            VtrixClient.DIALECT,
            s ->
                VtrixClient.builder()
                    .baseUrl(s.baseUrl())
                    .connectTimeout(Duration.ofSeconds(2))
                    .requestTimeout(Duration.ofSeconds(5))
                    .build(),
            id -> id,
            "task_does_not_exist",
            true,
            false,
            ProviderStatus.RUNNING,
            "Video generation failed",
            "429",
            "401",
            0,
            VtrixClient.UNSUPPORTED_MODEL,
            BAD_MODEL,
            "400",
            "Vtrix offers no"));
  }

  private static DashScopeClient.Builder transport(WanSimulator s) {
    return DashScopeClient.builder()
        .baseUrl(s.baseUrl())
        .connectTimeout(Duration.ofSeconds(2))
        .requestTimeout(Duration.ofSeconds(5));
  }

  @BeforeAll
  static void start() {
    sim =
        WanSimulator.start(
            SimulatorConfig.builder()
                .apiKey(KEY.secret(), "acct-contract")
                .apiKey(OTHER_ACCOUNT_KEY.secret(), "acct-other")
                .pendingTime(Duration.ofMillis(150))
                .runningTime(Duration.ofMillis(300))
                .retryAfter(Duration.ofSeconds(2))
                .build());
  }

  @AfterAll
  static void stop() {
    sim.close();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dialects")
  void acceptedTaskIsPolledToSucceededWithADownloadableLinkAndItsUsage(Dialect d) throws Exception {
    WanClient client = d.client().apply(sim);
    String requestId = d.name() + "-ok";

    SubmitOutcome.Accepted accepted =
        accepted(client.submit(KEY, GenerationRequests.flash("a cat turns its head"), requestId));
    assertThat(accepted.taskId()).isNotBlank();
    TaskSnapshot done = Outcomes.awaitTerminal(client, KEY, accepted.taskId());

    assertThat(done.taskId()).isEqualTo(accepted.taskId());
    assertThat(done.status()).isEqualTo(ProviderStatus.SUCCEEDED);
    assertThat(done.failure()).isNull();
    assertThat(done.submitTime()).isNotNull();
    if (d.reportsEndTime()) {
      assertThat(done.endTime()).isAfterOrEqualTo(done.submitTime());
    }
    assertThat(done.videoUrl()).isNotNull();
    HttpResponse<byte[]> video =
        plain.send(
            HttpRequest.newBuilder(done.videoUrl().uri()).GET().build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(video.statusCode()).isEqualTo(200);
    assertThat(new String(video.body(), 4, 4, StandardCharsets.US_ASCII))
        .as("an MP4 starts with an ftyp box")
        .isEqualTo("ftyp");
    if (d.reportsUsage()) {
      assertThat(done.usage().videoDurationMillis()).isEqualTo(5_000);
      assertThat(done.usage().tier()).isEqualTo("480P");
      assertThat(done.usage().videoCount()).isEqualTo(1);
    } else {
      assertThat(done.usage())
          .as("%s reports no usage: billing uses the requested duration", d.name())
          .isNull();
    }
    assertThat(sim.ledger().task(d.simTaskId().apply(accepted.taskId())))
        .hasValueSatisfying(
            t -> {
              assertThat(t.state()).isEqualTo("SUCCEEDED");
              assertThat(t.usageMillis()).isEqualTo(5_000);
              assertThat(t.pipelineRequestId()).isEqualTo(requestId);
            });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dialects")
  void failedTaskCarriesAFailureClassifiedByItsDialect(Dialect d) {
    WanClient client = d.client().apply(sim);
    String retryable =
        accepted(
                client.submit(
                    KEY,
                    GenerationRequests.flash("[sim:fail=InternalError.Algo] x"),
                    d.name() + "-fail-1"))
            .taskId();
    String permanent =
        accepted(
                client.submit(
                    KEY,
                    GenerationRequests.flash("[sim:fail=DataInspectionFailed]"),
                    d.name() + "-fail-2"))
            .taskId();

    TaskSnapshot a = Outcomes.awaitTerminal(client, KEY, retryable);
    TaskSnapshot b = Outcomes.awaitTerminal(client, KEY, permanent);

    assertThat(a.status()).isEqualTo(ProviderStatus.FAILED);
    assertThat(a.errorCode()).isEqualTo("InternalError.Algo");
    assertThat(a.errorMessage()).isNotBlank().startsWith(d.failurePrefix()).doesNotStartWith("[");
    assertThat(a.videoUrl()).isNull();
    assertThat(a.usage()).isNull();
    if (d.reportsEndTime()) {
      assertThat(a.endTime()).isNotNull();
    }
    assertThat(a.failure().code()).isEqualTo("InternalError.Algo");
    assertThat(a.failure().retryable()).isTrue();
    assertThat(a.failure().stage()).isEqualTo(WanError.Stage.EXECUTION);
    assertThat(b.status()).isEqualTo(ProviderStatus.FAILED);
    assertThat(b.errorCode()).isEqualTo("DataInspectionFailed");
    assertThat(b.failure().code()).isEqualTo("DataInspectionFailed");
    assertThat(b.failure().retryable()).isFalse();
    assertThat(b.failure().stage()).isEqualTo(WanError.Stage.EXECUTION);
    assertThat(sim.ledger().task(d.simTaskId().apply(retryable)))
        .hasValueSatisfying(t -> assertThat(t.state()).isEqualTo("FAILED"));
    noKeyIn(a.failure(), b.failure());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dialects")
  void unknownModelIsRefusedPermanentlyAndNotInDoubt(Dialect d) {
    String requestId = d.name() + "-model";
    WanError e =
        refused(
            d.client()
                .apply(sim)
                .submit(KEY, GenerationRequests.i2v(BAD_MODEL, "x", "480P"), requestId));

    assertThat(e.httpStatus()).isEqualTo(d.badModelStatus());
    assertThat(e.code()).isEqualTo(d.badModelCode());
    assertThat(e.message()).contains(d.badModelText());
    assertThat(e.retryable()).isFalse();
    assertThat(e.stage()).isEqualTo(WanError.Stage.SUBMIT);
    assertThat(sim.ledger().tasksOfRequest(requestId)).isEmpty();
    if (d.badModelStatus() == 0) {
      assertThat(sim.ledger().submissions(requestId)).as("refused before any call").isEmpty();
    } else {
      assertThat(sim.ledger().submissions(requestId))
          .singleElement()
          .satisfies(s -> assertThat(s.taskId()).isNull());
    }
    noKeyIn(e);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dialects")
  void unsupportedParameterIsRefusedPermanentlyNamingItAndNotInDoubt(Dialect d) {
    String requestId = d.name() + "-res";
    WanError e =
        refused(
            d.client()
                .apply(sim)
                .submit(KEY, GenerationRequests.i2v("wan2.2-i2v-flash", "x", "1080P"), requestId));

    assertThat(e.httpStatus()).isEqualTo(400);
    assertThat(e.code()).isEqualTo(d.badParameterCode());
    assertThat(e.message()).contains("resolution").contains("1080P");
    assertThat(e.retryable()).isFalse();
    assertThat(e.stage()).isEqualTo(WanError.Stage.SUBMIT);
    assertThat(sim.ledger().tasksOfRequest(requestId)).isEmpty();
    noKeyIn(e);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dialects")
  void throttledSubmitIsRefusedRetryableWithRetryAfterAndNoTask(Dialect d) {
    String requestId = d.name() + "-429";
    WanError e =
        refused(
            d.client()
                .apply(sim)
                .submit(KEY, GenerationRequests.flash("[sim:submit=429] x"), requestId));

    assertThat(e.httpStatus()).isEqualTo(429);
    assertThat(e.code()).isEqualTo(d.throttleCode());
    assertThat(e.retryable()).isTrue();
    assertThat(e.throttled()).isTrue();
    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(2));
    assertThat(sim.ledger().tasksOfRequest(requestId)).isEmpty();
    assertThat(sim.ledger().submissions(requestId))
        .singleElement()
        .satisfies(s -> assertThat(s.taskId()).isNull());
    noKeyIn(e);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dialects")
  void serverErrorResetAndLostReplyAfterSendingAreInDoubt(Dialect d) {
    WanClient client = d.client().apply(sim);
    SubmitOutcome serverError =
        client.submit(KEY, GenerationRequests.flash("[sim:submit=500]"), d.name() + "-500");
    SubmitOutcome reset =
        client.submit(KEY, GenerationRequests.flash("[sim:submit=reset]"), d.name() + "-reset");
    SubmitOutcome lost =
        client.submit(KEY, GenerationRequests.flash("[sim:submit=lost-reply]"), d.name() + "-lost");

    assertThat(serverError).isInstanceOf(SubmitOutcome.InDoubt.class);
    assertThat(reset).isInstanceOf(SubmitOutcome.InDoubt.class);
    assertThat(lost).isInstanceOf(SubmitOutcome.InDoubt.class);
    assertThat(((SubmitOutcome.InDoubt) lost).reason()).contains("500");
    assertThat(sim.ledger().tasksOfRequest(d.name() + "-lost"))
        .as("in doubt is right: the task was created")
        .hasSize(1);
    for (SubmitOutcome o : List.of(serverError, reset, lost)) {
      assertThat(((SubmitOutcome.InDoubt) o).reason()).doesNotContain(KEY.secret());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dialects")
  void neverCreatedAndOtherAccountsTasksAreUnknown(Dialect d) {
    WanClient client = d.client().apply(sim);
    assertThat(answered(client.query(KEY, d.unknownTaskId())).status())
        .isEqualTo(ProviderStatus.UNKNOWN);
    String mine =
        accepted(client.submit(KEY, GenerationRequests.flash("mine"), d.name() + "-acct")).taskId();
    assertThat(answered(client.query(KEY, mine)).status()).isNotEqualTo(ProviderStatus.UNKNOWN);
    assertThat(answered(client.query(OTHER_ACCOUNT_KEY, mine)).status())
        .as("a task is visible only to its own account")
        .isEqualTo(ProviderStatus.UNKNOWN);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dialects")
  void cancelAndListAreUnsupportedWithoutACallWhereTheDialectHasNone(Dialect d) {
    WanClient client = d.client().apply(sim);
    String pending =
        accepted(
                client.submit(
                    KEY, GenerationRequests.flash("[sim:pending-forever]"), d.name() + "-cancel"))
            .taskId();
    int cancelsBefore = sim.ledger().cancels().size();
    int listsBefore = sim.ledger().lists().size();

    QueryOutcome<Boolean> cancel = client.cancel(KEY, pending);
    QueryOutcome<TaskPage> list =
        client.list(KEY, new TaskListQuery(Instant.EPOCH, Instant.EPOCH, null, null, 1, 10));

    if (d.unsupportedText() == null) {
      assertThat(cancel).isEqualTo(new QueryOutcome.Answered<>(Boolean.TRUE));
      assertThat(answered(list)).isNotNull();
      assertThat(sim.ledger().cancels()).hasSize(cancelsBefore + 1);
      assertThat(sim.ledger().lists()).hasSize(listsBefore + 1);
      return;
    }
    for (QueryOutcome<?> o : List.of(cancel, list)) {
      WanError e = failed(o);
      assertThat(e.code()).isEqualTo("UNSUPPORTED_OPERATION");
      assertThat(e.message()).contains(d.unsupportedText());
      assertThat(e.retryable()).isFalse();
      noKeyIn(e);
    }
    assertThat(sim.ledger().cancels()).hasSize(cancelsBefore);
    assertThat(sim.ledger().lists()).hasSize(listsBefore);
    assertThat(answered(client.query(KEY, pending)).status()).isEqualTo(d.queuedStatus());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dialects")
  void unknownKeyIsRefusedWith401AndNoKeyAppearsInAnyError(Dialect d) {
    WanClient client = d.client().apply(sim);
    WanError e =
        refused(client.submit(WRONG_KEY, GenerationRequests.flash("x"), d.name() + "-key"));
    assertThat(e.httpStatus()).isEqualTo(401);
    assertThat(e.code()).isEqualTo(d.unauthorizedCode());
    assertThat(e.retryable()).isFalse();
    assertThat(e.stage()).isEqualTo(WanError.Stage.SUBMIT);

    WanError q = failed(client.query(WRONG_KEY, d.unknownTaskId()));
    assertThat(q.httpStatus()).isEqualTo(401);
    assertThat(q.retryable()).isFalse();
    assertThat(q.stage()).isEqualTo(WanError.Stage.QUERY);
    noKeyIn(e, q);
  }

  private static void noKeyIn(WanError... errors) {
    for (WanError e : errors) {
      for (ApiKey k : List.of(KEY, OTHER_ACCOUNT_KEY, WRONG_KEY)) {
        assertThat(e.code()).doesNotContain(k.secret());
        assertThat(e.message()).doesNotContain(k.secret());
      }
    }
  }
}
