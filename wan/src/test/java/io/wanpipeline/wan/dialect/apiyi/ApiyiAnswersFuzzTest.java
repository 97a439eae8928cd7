package io.wanpipeline.wan.dialect.apiyi;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.wanpipeline.wan.dashscope.DashScopeClient;
import io.wanpipeline.wan.fuzz.ProviderAnswerContract;

/**
 * Fuzzes the APIYI client (normalized tasks, bracketed upstream codes, new-api errors) with
 * arbitrary answers to each call. See {@link ProviderAnswerContract} for the input layout and what
 * is checked.
 */
class ApiyiAnswersFuzzTest {
  private static final ProviderAnswerContract CLIENT =
      ProviderAnswerContract.of(
          (http, clock) ->
              ApiyiClient.create(
                  DashScopeClient.builder()
                      .baseUrl("https://api.apiyi.com")
                      .httpClient(http)
                      .clock(clock)));

  @FuzzTest(maxDuration = "10s")
  @DictionaryFile(resourcePath = ProviderAnswerContract.DICTIONARY)
  void everyAnswerGivesATypedOutcomeWithoutSecrets(byte[] input) {
    CLIENT.check(input);
  }
}
