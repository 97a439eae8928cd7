package io.wanpipeline.infra.billing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wanpipeline.billing.charge.ChargeCalculator;
import io.wanpipeline.billing.charge.ChargeDecision;
import io.wanpipeline.billing.price.ListPriceLookup;
import io.wanpipeline.billing.price.PriceFile;
import io.wanpipeline.events.ErrorInfo;
import io.wanpipeline.events.Media;
import io.wanpipeline.events.Price;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.VideoInput;
import io.wanpipeline.events.VideoParameters;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.events.internal.InFlightTask;
import io.wanpipeline.infra.simulator.SimulatorConfig;
import io.wanpipeline.infra.simulator.SimulatorLedger;
import io.wanpipeline.infra.simulator.UsageStyle;
import io.wanpipeline.infra.simulator.WanSimulator;
import io.wanpipeline.infra.testing.fixtures.VideoRequests;
import io.wanpipeline.poller.PollScheduler;
import io.wanpipeline.poller.TaskTransitions;
import io.wanpipeline.poller.TimeoutDetector;
import io.wanpipeline.submitter.RequestChecks;
import io.wanpipeline.submitter.RequestMapper;
import io.wanpipeline.submitter.StatusEvents;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.QueryOutcome;
import io.wanpipeline.wan.SubmitOutcome;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.WanClient;
import io.wanpipeline.wan.account.DialectModels;
import io.wanpipeline.wan.account.ProviderAccount;
import io.wanpipeline.wan.account.WanClients;
import io.wanpipeline.wan.catalogue.InputField;
import io.wanpipeline.wan.catalogue.MediaRules;
import io.wanpipeline.wan.catalogue.ModelCatalogue;
import io.wanpipeline.wan.catalogue.ModelSpec;
import io.wanpipeline.wan.catalogue.ParameterStyle;
import io.wanpipeline.wan.catalogue.Region;
import io.wanpipeline.wan.catalogue.Tiers;
import io.wanpipeline.wan.dialect.mulerouter.MuleRouterTaskId;
import io.wanpipeline.wan.retry.Backoff;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 12, finding 3: the same request is never billed differently by dialect. Walks every
 * catalogued model x every tier (480P, 720P, 1080P and none; for size-style models the tier given
 * as {@code resolution} and as a {@code size}) x audio on/off where the model takes it, through
 * each dialect's client (dashscope, crazyrouter, apiyi, mulerouter, vtrix) against the simulator
 * over loopback, then prices the succeeded status event as billing does ({@link ChargeCalculator}
 * with the bundled price file). For every request:
 *
 * <ul>
 *   <li>it is REJECTED at the door (the submitter's {@link RequestChecks}) in every dialect, or
 *       accepted in every dialect that offers the model;
 *   <li>accepted, it is billed at the same tier and amount in every dialect, at the tier the
 *       simulator made (its ledger);
 *   <li>accepted and succeeded, it is never unpriced while the price file prices its model at all
 *       (a model with no price line at all, such as HappyHorse, is unpriced in every dialect: a gap
 *       of the price file, listed in the failure message only if the dialects disagree).
 * </ul>
 *
 * Vtrix serves only the models it has an id for (the simulator's Vtrix front end knows the three
 * documented ones); other models are "not offered" there and compared across the other dialects.
 */
class DialectPricingWalkTest {

  private static final List<String> DIALECTS =
      List.of("dashscope", "crazyrouter", "apiyi", "mulerouter", "vtrix");
  private static final ApiKey KEY = new ApiKey("walk#0", "sk-walk-secret");
  private static final String IMG = "https://example.com/walk/frame.png";
  private static final String AUDIO = "https://example.com/walk/voice.mp3";
  private static final String VIDEO = "https://example.com/walk/clip.mp4";

  private static final ModelCatalogue CATALOGUE = ModelCatalogue.standard();
  private static final RequestChecks CHECKS = new RequestChecks(CATALOGUE);
  private static final List<Price> PRICES = PriceFile.bundled();
  private static final ListPriceLookup LOOKUP = new ListPriceLookup(PRICES);
  private static final Clock CLOCK = Clock.systemUTC();
  private static final TaskTransitions TRANSITIONS =
      new TaskTransitions(
          new PollScheduler(
              Duration.ofSeconds(3),
              Duration.ofSeconds(3),
              Duration.ofSeconds(30),
              new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), new Random(1)),
              new Random(1)),
          new TimeoutDetector(Duration.ofMinutes(20)),
          3);

  private static final List<String> SIZE_TIERS = List.of("832*480", "1280*720", "1920*1080");

  private static final Map<UsageStyle, WanSimulator> SIMULATORS = new HashMap<>();
  private static final Map<ProviderAccount, WanClient> CLIENTS = new HashMap<>();

  @BeforeAll
  static void start() {
    for (UsageStyle style : UsageStyle.values()) {
      SIMULATORS.put(
          style,
          WanSimulator.start(
              SimulatorConfig.builder()
                  .apiKey(KEY.secret(), "walk")
                  .pendingTime(Duration.ofMillis(1))
                  .runningTime(Duration.ofMillis(1))
                  .enforceRateLimits(false)
                  .queryQpsPerAccount(10_000)
                  .defaultConcurrencyCap(1_000)
                  .usageStyle(style)
                  .build()));
    }
  }

  @AfterAll
  static void stop() {
    SIMULATORS.values().forEach(WanSimulator::close);
    CLIENTS.clear();
  }

  /** One request of the walk: a model, a way of asking for a tier, and audio. */
  record Case(String model, String resolution, String size, Boolean audio, String mode) {
    Case(String model, String resolution, String size, Boolean audio) {
      this(model, resolution, size, audio, null);
    }

    String name() {
      return model
          + (resolution == null ? "" : " resolution=" + resolution)
          + (size == null ? "" : " size=" + size)
          + (audio == null ? "" : " audio=" + audio)
          + (mode == null ? "" : " mode=" + mode)
          + (resolution == null && size == null && mode == null ? " (default tier)" : "");
    }
  }

  /** What became of one request in one dialect. */
  sealed interface Outcome {
    record Rejected(String field) implements Outcome {}

    record NotOffered(String why) implements Outcome {}

    record Refused(String why) implements Outcome {}

    record Ended(String state) implements Outcome {}

    record Charged(
        String tier, long unitMicros, long amountMicros, String currency, String madeTier)
        implements Outcome {}

    record Unpriced(String reason, String madeTier) implements Outcome {}
  }

  @ParameterizedTest(name = "usage style {0}")
  @EnumSource(UsageStyle.class)
  void everyModelTierAndAudioIsRejectedEverywhereOrPricedIdenticallyInEveryDialect(
      UsageStyle style) {
    WanSimulator sim = SIMULATORS.get(style);
    List<String> problems = new ArrayList<>();
    Set<String> priceGaps = new TreeSet<>();
    int cases = 0;
    int submitted = 0;
    int charged = 0;
    int rejected = 0;
    for (ModelSpec spec : CATALOGUE.all()) {
      for (Case c : cases(spec)) {
        cases++;
        Map<String, Outcome> byDialect = new LinkedHashMap<>();
        for (String dialect : DIALECTS) {
          Outcome o = run(sim, spec, c, dialect, style);
          byDialect.put(dialect, o);
          if (o instanceof Outcome.Charged || o instanceof Outcome.Unpriced) {
            submitted++;
          }
          charged += o instanceof Outcome.Charged ? 1 : 0;
          rejected += o instanceof Outcome.Rejected ? 1 : 0;
        }
        judge(c, byDialect, problems);
        if (byDialect.values().stream().anyMatch(o -> o instanceof Outcome.Unpriced)) {
          priceGaps.add(c.name());
        }
      }
    }
    System.out.printf(
        "dialect pricing walk, usage style %s: %d requests x %d dialects, %d submitted, %d"
            + " charged, %d rejected at the door; unpriced in every dialect for want of a price"
            + " line (%d): %s%n",
        style, cases, DIALECTS.size(), submitted, charged, rejected, priceGaps.size(), priceGaps);
    assertThat(problems)
        .as(
            "usage style %s: %d requests x %d dialects (%d submitted, %d charged, %d rejected)",
            style, cases, DIALECTS.size(), submitted, charged, rejected)
        .isEmpty();
    assertThat(charged)
        .as("the walk really submitted and priced requests through the simulator")
        .isGreaterThan(100);
  }

  private static void judge(Case c, Map<String, Outcome> byDialect, List<String> problems) {
    Map<String, Outcome> offered = new LinkedHashMap<>(byDialect);
    offered.values().removeIf(o -> o instanceof Outcome.NotOffered);
    if (offered.isEmpty()) {
      problems.add(c.name() + ": offered by no dialect " + byDialect);
      return;
    }
    offered.forEach(
        (dialect, o) -> {
          if (o instanceof Outcome.Refused || o instanceof Outcome.Ended) {
            problems.add(c.name() + ": passed validation but " + dialect + " ended it: " + o);
          }
        });
    boolean anyRejected = offered.values().stream().anyMatch(o -> o instanceof Outcome.Rejected);
    boolean allRejected = offered.values().stream().allMatch(o -> o instanceof Outcome.Rejected);
    if (anyRejected && !allRejected) {
      problems.add(c.name() + ": rejected in some dialects only: " + offered);
      return;
    }
    if (allRejected) {
      return;
    }
    ModelSpec spec = CATALOGUE.require(c.model());
    boolean lengthRequested = spec.duration().takesParameter() && !spec.duration().followsInput();
    Set<String> bills = new TreeSet<>();
    for (Map.Entry<String, Outcome> e : offered.entrySet()) {
      Outcome o = e.getValue();
      if (o instanceof Outcome.Charged ch) {
        bills.add(
            ch.tier()
                + " at "
                + ch.unitMicros()
                + " "
                + ch.currency()
                + "/s"
                + (lengthRequested ? ", " + ch.amountMicros() : ""));
        if (!ch.tier().equals(ch.madeTier())) {
          problems.add(
              c.name()
                  + ": "
                  + e.getKey()
                  + " billed "
                  + ch.tier()
                  + " but the simulator made "
                  + ch.madeTier());
        }
      } else if (o instanceof Outcome.Unpriced u) {
        bills.add("unpriced");
        if (tierIsPriced(c.model(), u.madeTier())) {
          problems.add(
              c.name()
                  + ": "
                  + e.getKey()
                  + " left a succeeded task unpriced although "
                  + c.model()
                  + " has prices ("
                  + u.reason()
                  + "; made "
                  + u.madeTier()
                  + ")");
        }
      }
    }
    if (bills.size() > 1) {
      problems.add(c.name() + ": billed differently by dialect: " + offered);
    }
  }

  private static boolean tierIsPriced(String model, String tier) {
    return PRICES.stream().anyMatch(p -> p.getModel().equals(model) && p.getTier().equals(tier));
  }

  /**
   * Every tier (offered or not, and none), by resolution and, for size models, by size; for a model
   * priced by service mode, every mode.
   */
  private static List<Case> cases(ModelSpec spec) {
    if (spec.pricedByMode()) {
      return spec.modes().stream().map(m -> new Case(spec.id(), null, null, null, m)).toList();
    }
    List<Boolean> audios =
        spec.takesAudio() || spec.audioAffectsPrice()
            ? List.of(Boolean.FALSE, Boolean.TRUE)
            : java.util.Collections.singletonList((Boolean) null);
    List<Case> out = new ArrayList<>();
    for (Boolean audio : audios) {
      out.add(new Case(spec.id(), null, null, audio));
      for (String tier : Tiers.ALL) {
        out.add(new Case(spec.id(), tier, null, audio));
        List<String> sizes =
            spec.parameterStyle() == ParameterStyle.SIZE ? spec.sizes() : SIZE_TIERS;
        sizes.stream()
            .filter(s -> Tiers.ofSize(s).orElseThrow().equals(tier))
            .findFirst()
            .ifPresent(size -> out.add(new Case(spec.id(), null, size, audio)));
      }
    }
    return out;
  }

  private static Outcome run(
      WanSimulator sim, ModelSpec spec, Case c, String dialect, UsageStyle style) {
    Region region = spec.availableIn(Region.CN) ? Region.CN : spec.regions().iterator().next();
    ProviderAccount account = account(sim, dialect, region);
    String requestId =
        ("walk-" + style + "-" + dialect + "-" + c.name()).replaceAll("[^A-Za-z0-9._:-]+", "_");
    VideoRequest request = request(requestId, spec, c);
    java.util.Optional<String> unnamed = DialectModels.refusal(account, spec.id());
    if (unnamed.isPresent()) {
      // The dialect cannot name the model (Vtrix without an id): REJECTED at the door for that
      // account only, so it is not offered there rather than a pricing disagreement.
      return new Outcome.NotOffered(unnamed.get());
    }
    java.util.Optional<ErrorInfo> invalid = CHECKS.violations(request, account);
    if (invalid.isPresent()) {
      return new Outcome.Rejected(invalid.get().getField());
    }
    WanClient client = CLIENTS.computeIfAbsent(account, a -> WanClients.forAccount(a, CLOCK));
    GenerationRequest generation = CHECKS.forProvider(request);
    SubmitOutcome outcome = client.submit(KEY, generation, requestId);
    if (outcome instanceof SubmitOutcome.Refused r && "model_not_found".equals(r.error().code())) {
      return new Outcome.NotOffered(dialect + " has no channel for " + spec.id());
    }
    if (!(outcome instanceof SubmitOutcome.Accepted accepted)) {
      return new Outcome.Refused(outcome.toString());
    }
    TaskSnapshot done = awaitTerminal(client, accepted.taskId());
    Instant now = CLOCK.instant();
    TaskStatus submitted =
        new StatusEvents(CLOCK)
            .submitted(
                request,
                CHECKS.facts(RequestMapper.toGeneration(request)),
                account.name(),
                accepted.taskId(),
                KEY.ref(),
                now);
    InFlightTask tracked = TRANSITIONS.track(submitted);
    TaskStatus ended = TRANSITIONS.onAnswer(tracked, done, now).emit();
    if (ended == null || !ChargeCalculator.billable(ended.getState())) {
      return new Outcome.Ended(
          ended == null ? String.valueOf(done.status()) : "" + ended.getState());
    }
    String simulatorTaskId =
        MuleRouterTaskId.parse(accepted.taskId())
            .map(MuleRouterTaskId::id)
            .orElse(accepted.taskId());
    String made =
        sim.ledger().task(simulatorTaskId).map(SimulatorLedger.TaskRecord::tier).orElse("unknown");
    ChargeDecision decision = ChargeCalculator.decide(ended, LOOKUP);
    if (decision instanceof ChargeDecision.Charged ch) {
      return new Outcome.Charged(
          ch.charge().getTier(),
          ch.charge().getUnitPriceMicros(),
          ch.charge().getAmountMicros(),
          ch.charge().getCurrency(),
          made);
    }
    if (decision instanceof ChargeDecision.Unpriced u) {
      return new Outcome.Unpriced(u.reason(), made);
    }
    return new Outcome.Ended("not billable: " + decision);
  }

  private static ProviderAccount account(WanSimulator sim, String dialect, Region region) {
    return new ProviderAccount(
        "walk-" + dialect + "-" + region.code(),
        dialect,
        java.net.URI.create(sim.baseUrl()),
        region.code(),
        List.of(KEY));
  }

  private static TaskSnapshot awaitTerminal(WanClient client, String taskId) {
    AtomicReference<TaskSnapshot> last = new AtomicReference<>();
    await()
        .atMost(Duration.ofSeconds(10))
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(5))
        .until(
            () -> {
              QueryOutcome<TaskSnapshot> q = client.query(KEY, taskId);
              if (q instanceof QueryOutcome.Answered<TaskSnapshot> a) {
                last.set(a.value());
                return a.value().status().terminal();
              }
              return false;
            });
    return last.get();
  }

  /** A request for {@code spec} with every required input, asking for the case's tier. */
  private static VideoRequest request(String requestId, ModelSpec spec, Case c) {
    VideoInput.Builder in = VideoInput.newBuilder();
    Set<InputField> required = spec.inputs().required();
    if (required.contains(InputField.PROMPT) || spec.inputs().accepts(InputField.PROMPT)) {
      in.setPrompt("a cat walks along a wall");
    }
    if (required.contains(InputField.IMG_URL)) {
      in.setImgUrl(IMG);
    }
    if (required.contains(InputField.FIRST_FRAME_URL)) {
      in.setFirstFrameUrl(IMG);
    }
    if (required.contains(InputField.LAST_FRAME_URL)) {
      in.setLastFrameUrl(IMG);
    }
    if (required.contains(InputField.IMAGE_URL)) {
      in.setImageUrl(IMG);
    }
    if (required.contains(InputField.AUDIO_URL)) {
      in.setAudioUrl(AUDIO);
    }
    if (required.contains(InputField.REFERENCE_URLS)) {
      in.setReferenceUrls(List.of(IMG));
    }
    if (required.contains(InputField.MEDIA)) {
      in.setMedia(media(spec.inputs().media()));
    }
    if (required.contains(InputField.VIDEO_URL)) {
      in.setVideoUrl(VIDEO);
    }
    List<String> objOrBg = List.of();
    if (required.contains(InputField.FUNCTION)) {
      // vace: the function whose output length and tier do not depend on an input video
      in.setFunction("image_reference");
      in.setRefImagesUrl(List.of(IMG));
      objOrBg = List.of("obj");
    }
    VideoParameters parameters =
        VideoParameters.newBuilder()
            .setResolution(c.resolution())
            .setSize(c.size())
            .setAudio(c.audio())
            .setMode(c.mode())
            .setObjOrBg(objOrBg)
            .build();
    return VideoRequests.t2v(requestId)
        .accountId("walk-tenant")
        .model(spec.id())
        .input(in.build())
        .parameters(parameters)
        .build();
  }

  /** The smallest media list the model accepts: its first combination, or each minimum count. */
  private static List<Media> media(MediaRules rules) {
    List<String> types = new ArrayList<>();
    if (!rules.combinations().isEmpty()) {
      types.addAll(rules.combinations().get(0));
    } else {
      rules
          .perTypeOrdered()
          .forEach(
              (type, count) -> {
                for (int i = 0; i < count.min(); i++) {
                  types.add(type);
                }
              });
      if (!rules.totalTypes().isEmpty()) {
        long counted = types.stream().filter(rules.totalTypes()::contains).count();
        for (long i = counted; i < rules.total().min(); i++) {
          types.add(rules.totalTypes().get(0));
        }
      }
    }
    return types.stream()
        .map(
            t ->
                Media.newBuilder()
                    .setType(t)
                    .setUrl(
                        t.contains("video") || t.contains("clip")
                            ? VIDEO
                            : t.contains("audio") ? AUDIO : IMG)
                    .build())
        .collect(Collectors.toList());
  }
}
