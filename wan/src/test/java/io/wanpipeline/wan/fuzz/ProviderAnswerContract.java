package io.wanpipeline.wan.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.QueryOutcome;
import io.wanpipeline.wan.SubmitOutcome;
import io.wanpipeline.wan.TaskListQuery;
import io.wanpipeline.wan.TaskPage;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.WanClient;
import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.retry.Backoff;
import io.wanpipeline.wan.testing.GenerationRequestBuilder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BiFunction;

/**
 * What every dialect's client must make of any answer, shared by the dialects' fuzz tests: each
 * call gives a typed outcome (a malformed answer is a {@code MALFORMED_RESPONSE} failure, never an
 * exception), an outcome's error is usable by the retry code that consumes it ({@link Backoff},
 * then {@code Instant.plus}), a result link's expiry can be read, and no secret planted in the body
 * (a signed OSS link, an {@code sk-} key) reaches an error code, message or in-doubt reason.
 *
 * <p>Input layout, so that seeds are readable files: line 1 is the call ({@code s}ubmit, {@code
 * q}uery, {@code c}ancel, {@code l}ist, by its first byte) and the HTTP status ({@code q 200});
 * line 2 is the {@code Retry-After} value (empty: no header); the rest is the body, in which
 * {@code @@} is replaced by a signed link and {@code %%} by an API key.
 */
public final class ProviderAnswerContract {
  /** The libFuzzer dictionary every dialect's answer fuzz test uses. */
  public static final String DICTIONARY = "/io/wanpipeline/wan/fuzz/provider-answers.dict";

  /** The instant the client's clock shows. */
  public static final Instant NOW = Instant.parse("2026-03-01T08:00:00Z");

  private static final String SIGNED_LINK =
      "https://b.oss-cn-beijing.aliyuncs.com/1d/v.mp4?OSSAccessKeyId=LTAIcanary&Expires=1772352000"
          + "&Signature=CANARYsig%2B";
  // after a space: a key glued to a preceding word ("xsk-...") is not an sk- token (task-... ids)
  private static final String API_KEY = " sk-CANARYkey0123456789";
  private static final ApiKey KEY = new ApiKey("fuzz#0", "sk-fuzzOwnKey000");
  private static final GenerationRequest REQUEST =
      GenerationRequestBuilder.model("wan2.2-i2v-flash")
          .prompt("a cat surfing")
          .imgUrl("https://example.com/cat.png")
          .build();
  private static final Backoff BACKOFF =
      new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(5), new SplittableRandom(12));

  private final ReplayingHttpClient http = new ReplayingHttpClient();
  private final WanClient client;

  private ProviderAnswerContract(BiFunction<HttpClient, Clock, WanClient> clientOf) {
    this.client = clientOf.apply(http, Clock.fixed(NOW, ZoneOffset.UTC));
  }

  /**
   * The contract for the client that {@code clientOf} builds over the given transport and clock;
   * built once, since clients are immutable and building one per input would dominate the run.
   */
  public static ProviderAnswerContract of(BiFunction<HttpClient, Clock, WanClient> clientOf) {
    return new ProviderAnswerContract(clientOf);
  }

  /** Answers one call of the client with the answer in {@code input}, and checks the outcome. */
  public void check(byte[] input) {
    Answer answer = Answer.of(input);
    http.answerWith(answer.status(), answer.headers(), answer.body());
    switch (answer.call()) {
      case 's' -> submitted(client.submit(KEY, REQUEST, "fuzz-request-1"));
      case 'c' -> queried(client.cancel(KEY, "task-1"), v -> {});
      case 'l' ->
          queried(
              client.list(KEY, new TaskListQuery(NOW.minusSeconds(3600), NOW, null, null, 1, 10)),
              ProviderAnswerContract::page);
      default -> queried(client.query(KEY, "task-1"), ProviderAnswerContract::snapshot);
    }
  }

  private static void submitted(SubmitOutcome outcome) {
    assertThat(outcome).isNotNull();
    if (outcome instanceof SubmitOutcome.Refused refused) {
      error(refused.error());
    } else if (outcome instanceof SubmitOutcome.InDoubt inDoubt) {
      noSecret(inDoubt.reason());
    } else {
      SubmitOutcome.Accepted accepted = (SubmitOutcome.Accepted) outcome;
      assertThat(accepted.taskId()).isNotBlank();
      assertThat(accepted.status()).isNotNull();
    }
  }

  private static <T> void queried(QueryOutcome<T> outcome, java.util.function.Consumer<T> value) {
    assertThat(outcome).isNotNull();
    if (outcome instanceof QueryOutcome.Failed<T> failed) {
      error(failed.error());
    } else {
      T answered = ((QueryOutcome.Answered<T>) outcome).value();
      assertThat(answered).isNotNull();
      value.accept(answered);
    }
  }

  private static void snapshot(TaskSnapshot s) {
    assertThat(s.status()).isNotNull();
    noSecret(s.errorCode());
    noSecret(s.errorMessage());
    if (s.videoUrl() != null) {
      noSecret(s.videoUrl().redacted());
      noSecret(s.videoUrl().toString());
      // the poller stores the link's expiry
      s.videoUrl().expiresAt().ifPresent(Instant::toEpochMilli);
    }
    if (s.status() == ProviderStatus.SUCCEEDED && s.usage() != null) {
      assertThat(s.usage().videoDurationMillis()).isNotNegative();
    }
  }

  private static void page(TaskPage page) {
    assertThat(page.tasks()).isNotNull().doesNotContainNull();
  }

  private static void error(WanError e) {
    assertThat(e).isNotNull();
    assertThat(e.code()).isNotBlank();
    noSecret(e.code());
    noSecret(e.message());
    if (e.retryAfter() != null) {
      assertThat(e.retryAfter().isNegative()).as("negative Retry-After").isFalse();
      // how the submitter, poller and archiver use the hint
      NOW.plus(BACKOFF.delay(3, e.retryAfter())).toEpochMilli();
    }
  }

  private static void noSecret(String text) {
    if (text != null) {
      assertThat(text.toLowerCase(Locale.ROOT))
          .as("no planted secret in: %s", text)
          .doesNotContain("canary");
    }
  }

  /** One fuzzed answer. */
  record Answer(char call, int status, Map<String, List<String>> headers, byte[] body) {
    static Answer of(byte[] input) {
      // ISO-8859-1 maps bytes to chars one to one, so the body survives the round trip.
      String all = new String(input, StandardCharsets.ISO_8859_1);
      int first = all.indexOf('\n');
      if (first < 0) {
        return new Answer('q', 200, Map.of(), body(all));
      }
      String line = all.substring(0, first).strip();
      char call = line.isEmpty() ? 'q' : line.charAt(0);
      int status = 200;
      String digits = line.replaceAll("[^0-9]", "");
      if (!digits.isEmpty() && digits.length() <= 3) {
        status = Math.max(100, Math.min(599, Integer.parseInt(digits)));
      }
      int second = all.indexOf('\n', first + 1);
      if (second < 0) {
        return new Answer(call, status, Map.of(), body(all.substring(first + 1)));
      }
      String retryAfter = all.substring(first + 1, second);
      Map<String, List<String>> headers =
          retryAfter.isEmpty() ? Map.of() : Map.of("Retry-After", List.of(retryAfter));
      return new Answer(call, status, headers, body(all.substring(second + 1)));
    }

    private static byte[] body(String raw) {
      // the fuzzer's own "canary" is not a secret; only the planted ones are
      String own = raw.replaceAll("(?i)canary", "c-nary");
      return own.replace("@@", SIGNED_LINK)
          .replace("%%", API_KEY)
          .getBytes(StandardCharsets.ISO_8859_1);
    }
  }
}
