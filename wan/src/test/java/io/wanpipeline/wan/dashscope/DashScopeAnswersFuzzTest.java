package io.wanpipeline.wan.dashscope;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.wanpipeline.wan.dialect.crazyrouter.CrazyrouterClient;
import io.wanpipeline.wan.fuzz.ProviderAnswerContract;

/**
 * Fuzzes the native DashScope client and the Crazyrouter alias (native answers, new-api errors)
 * with arbitrary answers to each call. See {@link ProviderAnswerContract} for the input layout and
 * what is checked.
 */
class DashScopeAnswersFuzzTest {
  private static final ProviderAnswerContract NATIVE =
      ProviderAnswerContract.of(
          (http, clock) ->
              DashScopeClient.builder()
                  .baseUrl("https://dashscope.aliyuncs.com")
                  .httpClient(http)
                  .clock(clock)
                  .build());

  private static final ProviderAnswerContract CRAZYROUTER =
      ProviderAnswerContract.of(
          (http, clock) ->
              CrazyrouterClient.create(
                  DashScopeClient.builder()
                      .baseUrl("https://crazyrouter.com")
                      .httpClient(http)
                      .clock(clock)));

  @FuzzTest(maxDuration = "10s")
  @DictionaryFile(resourcePath = ProviderAnswerContract.DICTIONARY)
  void everyAnswerGivesATypedOutcomeWithoutSecrets(byte[] input) {
    NATIVE.check(input);
    CRAZYROUTER.check(input);
  }
}
