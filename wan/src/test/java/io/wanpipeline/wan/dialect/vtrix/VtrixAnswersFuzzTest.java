package io.wanpipeline.wan.dialect.vtrix;

import com.code_intelligence.jazzer.junit.DictionaryFile;
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

  @FuzzTest(maxDuration = "10s")
  @DictionaryFile(resourcePath = ProviderAnswerContract.DICTIONARY)
  void everyAnswerGivesATypedOutcomeWithoutSecrets(byte[] input) {
    CLIENT.check(input);
  }
}
