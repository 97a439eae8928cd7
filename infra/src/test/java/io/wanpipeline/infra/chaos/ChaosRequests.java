package io.wanpipeline.infra.chaos;

import io.wanpipeline.events.Priority;
import io.wanpipeline.events.VideoInput;
import io.wanpipeline.events.VideoParameters;
import io.wanpipeline.events.VideoRequest;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The chaos test's workload: valid requests spread over provider accounts, models, caller accounts
 * and priorities by a seeded random, and every n-th one invalid (a resolution its model lacks). Wan
 * 2.6 requests ask for an audio track at random (wan2.6-i2v-flash has its own audio price, the
 * others fall back to their silent one), and every fifth valid request carries a simulator marker
 * that makes its output a fractional number of seconds, so billing sees milliseconds.
 */
final class ChaosRequests {
  /** The provider accounts; each has its own API key at the simulator. */
  static final List<String> PROVIDER_ACCOUNTS =
      List.of("acct-a", "acct-b", "acct-c", "acct-d", "acct-e");

  /** The models, all with 5 create calls per second at the provider. */
  static final List<String> MODELS =
      List.of("wan2.6-t2v", "wan2.5-t2v-preview", "wan2.6-i2v", "wan2.6-i2v-flash");

  private static final List<String> CALLERS = List.of("team-red", "team-green", "team-blue");
  private static final String IMAGE = "https://example.com/chaos/cat.png";

  private final Random random;
  private final String runId;
  private final int invalidEvery;

  ChaosRequests(long seed, String runId, int invalidEvery) {
    this.random = new Random(seed);
    this.runId = runId;
    this.invalidEvery = invalidEvery;
  }

  /** The {@code n}-th request (from 0), requested at {@code now}. */
  VideoRequest next(int n, Instant now) {
    String account = PROVIDER_ACCOUNTS.get(random.nextInt(PROVIDER_ACCOUNTS.size()));
    String model = MODELS.get(random.nextInt(MODELS.size()));
    boolean invalid = invalidEvery > 0 && n % invalidEvery == invalidEvery - 1;
    boolean fractional = random.nextInt(5) == 0;
    boolean audio = random.nextBoolean();
    VideoInput.Builder input =
        VideoInput.newBuilder()
            .setPrompt(
                "chaos scene "
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
      case "wan2.5-t2v-preview" ->
          parameters.setSize(invalid ? "999*999" : "832*480").setDuration(5);
      default -> parameters.setSize(invalid ? "999*999" : "1280*720").setDuration(5);
    }
    return VideoRequest.newBuilder()
        .setRequestId("chaos-" + runId + "-" + n)
        .setAccountId(CALLERS.get(random.nextInt(CALLERS.size())))
        .setProviderAccount(account)
        .setModel(model)
        .setInput(input.build())
        .setParameters(parameters.build())
        .setPriority(random.nextInt(4) == 0 ? Priority.BATCH : Priority.LIVE)
        .setRequestedAt(now)
        .setMetadata(Map.of("source", "chaos-it", "invalid", Boolean.toString(invalid)))
        .build();
  }
}
