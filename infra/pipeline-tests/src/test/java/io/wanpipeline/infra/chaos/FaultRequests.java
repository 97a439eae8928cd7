package io.wanpipeline.infra.chaos;

import io.wanpipeline.events.Priority;
import io.wanpipeline.events.VideoInput;
import io.wanpipeline.events.VideoParameters;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.infra.testing.fixtures.VideoRequests;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The fault suite's workload: valid requests spread by a seeded random over five provider accounts
 * (three speaking DashScope, one Crazyrouter, one Vtrix), their models, caller accounts and
 * priorities, and every n-th one invalid (a resolution its model lacks) so that it must end
 * REJECTED. Wan 2.6 requests ask for an audio track at random (wan2.6-i2v-flash has its own audio
 * price, the others fall back to their silent one), and every fifth valid DashScope request carries
 * a simulator marker that makes its output a fractional number of seconds, so billing sees
 * milliseconds.
 */
final class FaultRequests {
  /** A provider account, the dialect it speaks and the models asked of it. */
  record Account(String name, String dialect, List<String> models) {}

  /** The DashScope models, all with 5 create calls per second at the provider. */
  private static final List<String> DASHSCOPE_MODELS =
      List.of("wan2.6-t2v", "wan2.5-t2v-preview", "wan2.6-i2v", "wan2.6-i2v-flash");

  static final List<Account> ACCOUNTS =
      List.of(
          new Account("acct-a", "dashscope", DASHSCOPE_MODELS),
          new Account("acct-b", "dashscope", DASHSCOPE_MODELS),
          new Account("acct-c", "dashscope", DASHSCOPE_MODELS),
          new Account("acct-cr", "crazyrouter", List.of("wan2.2-i2v-flash")),
          new Account("acct-vx", "vtrix", List.of("wan2.2-i2v-flash")));

  /**
   * The accounts whose task answers carry no end time: the simulator's Vtrix answer has only {@code
   * created_at}, so billing dates such a task by its SUCCEEDED event (README, Charge {@code
   * completed_at}: "provider end time, else the event time").
   */
  static final Set<String> WITHOUT_END_TIME =
      ACCOUNTS.stream()
          .filter(a -> "vtrix".equals(a.dialect()))
          .map(Account::name)
          .collect(Collectors.toUnmodifiableSet());

  /** Every model any account is asked for. */
  static final List<String> MODELS =
      ACCOUNTS.stream().flatMap(a -> a.models().stream()).distinct().toList();

  private static final List<String> CALLERS = List.of("team-red", "team-green", "team-blue");
  private static final String IMAGE = "https://example.com/faults/cat.png";

  private final Random random;
  private final String runId;
  private final int invalidEvery;

  FaultRequests(long seed, String runId, int invalidEvery) {
    this.random = new Random(seed);
    this.runId = runId;
    this.invalidEvery = invalidEvery;
  }

  /** The {@code n}-th request (from 0), requested at {@code now}. */
  VideoRequest next(int n, Instant now) {
    Account account = ACCOUNTS.get(random.nextInt(ACCOUNTS.size()));
    String model = account.models().get(random.nextInt(account.models().size()));
    boolean invalid = invalidEvery > 0 && n % invalidEvery == invalidEvery - 1;
    boolean fractional = "dashscope".equals(account.dialect()) && random.nextInt(5) == 0;
    boolean audio = random.nextBoolean();
    VideoInput.Builder input =
        VideoInput.newBuilder()
            .setPrompt(
                "fault scene "
                    + n
                    + (fractional ? " [sim:seconds=4." + (100 + random.nextInt(900)) + "]" : ""));
    VideoParameters.Builder parameters = VideoParameters.newBuilder().setPromptExtend(false);
    if (model.startsWith("wan2.6-")) {
      parameters.setAudio(audio);
    }
    switch (model) {
      case "wan2.6-i2v", "wan2.6-i2v-flash" -> {
        input.setImgUrl(IMAGE);
        parameters.setResolution(invalid ? "480P" : "720P").setDuration(5);
      }
      case "wan2.2-i2v-flash" -> {
        input.setImgUrl(IMAGE);
        parameters.setResolution(invalid ? "1080P" : random.nextBoolean() ? "480P" : "720P");
      }
      case "wan2.5-t2v-preview" ->
          parameters.setSize(invalid ? "999*999" : "832*480").setDuration(5);
      default -> parameters.setSize(invalid ? "999*999" : "1280*720").setDuration(5);
    }
    // The builder's arguments are evaluated in this order, as the seeded random was drawn before.
    return VideoRequests.forModel("fault-" + runId + "-" + n, model)
        .accountId(CALLERS.get(random.nextInt(CALLERS.size())))
        .providerAccount(account.name())
        .input(input.build())
        .parameters(parameters.build())
        .priority(random.nextInt(4) == 0 ? Priority.BATCH : Priority.LIVE)
        .requestedAt(now)
        .metadata(Map.of("source", "fault-suite-it", "invalid", Boolean.toString(invalid)))
        .build();
  }

  /** Whether {@code request} was made invalid on purpose. */
  static boolean invalid(VideoRequest request) {
    return "true".equals(request.getMetadata().get("invalid"));
  }
}
