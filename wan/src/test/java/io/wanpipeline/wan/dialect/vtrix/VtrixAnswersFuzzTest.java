package io.wanpipeline.wan.dialect.vtrix;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.wanpipeline.wan.fuzz.ProviderAnswerContract;

/**
 * Fuzzes the Vtrix client (task objects, cost, gateway times) with arbitrary answers to each call.
 * See {@link ProviderAnswerContract} for the input layout and what is checked.
 */
class VtrixAnswersFuzzTest {
  private static final ProviderAnswerContract CLIENT =
      ProviderAnswerContract.of(
          (http, clock) ->
              VtrixClient.builder()
                  .baseUrl("https://api.vtrix.ai")
                  .httpClient(http)
                  .clock(clock)
                  .build());

  @FuzzTest(maxDuration = "15s")
  @DictionaryEntries({
    "{\"output\":{",
    "\"task_id\":",
    "\"task_status\":",
    "\"SUCCEEDED\"",
    "\"FAILED\"",
    "\"video_url\":\"@@\"",
    "\"usage\":{",
    "\"code\":",
    "\"message\":",
    "\"error\":{",
    "1e999999999",
    "-1",
    "9223372036854775807",
    "Expires=",
    "@@",
    "%%",
    "Thu, 01 Jan 2099 00:00:00 GMT"
  })
  void everyAnswerGivesATypedOutcomeWithoutSecrets(byte[] input) {
    CLIENT.check(input);
  }
}
