package io.wanpipeline.wan.dialect.mulerouter;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.wanpipeline.wan.fuzz.ProviderAnswerContract;

/**
 * Fuzzes the MuleRouter client (task_info answers, problem-style errors, gateway times) with
 * arbitrary answers to each call. See {@link ProviderAnswerContract} for the input layout and what
 * is checked.
 */
class MuleRouterAnswersFuzzTest {
  private static final ProviderAnswerContract CLIENT =
      ProviderAnswerContract.of(
          (http, clock) ->
              MuleRouterClient.builder()
                  .baseUrl("https://api.mulerouter.ai")
                  .httpClient(http)
                  .clock(clock)
                  .build());

  @FuzzTest(maxDuration = "10s")
  @DictionaryFile(resourcePath = ProviderAnswerContract.DICTIONARY)
  void everyAnswerGivesATypedOutcomeWithoutSecrets(byte[] input) {
    CLIENT.check(input);
  }
}
