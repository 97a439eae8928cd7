package io.wanpipeline.submitter;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.events.ErrorStage;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.account.ProviderAccount;
import io.wanpipeline.wan.catalogue.ModelCatalogue;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestChecksTest {
  private final RequestChecks checks = new RequestChecks(ModelCatalogue.standard());
  private final ProviderAccount cn =
      new ProviderAccount(
          "default",
          "dashscope",
          URI.create("http://localhost"),
          "cn",
          List.of(new ApiKey("default#0", "k")));

  @Test
  void aValidRequestPasses() {
    assertThat(checks.violations(RequestMapper.toGeneration(Requests.i2v("r1")), cn)).isEmpty();
  }

  @Test
  void anUnsupportedResolutionIsRejectedNamingTheField() {
    VideoRequest r = Requests.i2v("r1");
    r.getParameters().setResolution("1080P");
    var error = checks.violations(RequestMapper.toGeneration(r), cn).orElseThrow();
    assertThat(error.getCode()).isEqualTo("INVALID_REQUEST");
    assertThat(error.getField()).isEqualTo("parameters.resolution");
    assertThat(error.getMessage()).contains("parameters.resolution", "1080P");
    assertThat(error.getRetryable()).isFalse();
    assertThat(error.getStage()).isEqualTo(ErrorStage.VALIDATION);
  }

  @Test
  void allViolationsAreJoined() {
    VideoRequest r = Requests.i2v("r1");
    r.getParameters().setResolution("1080P");
    r.getParameters().setSeed(-1L);
    var error = checks.violations(RequestMapper.toGeneration(r), cn).orElseThrow();
    assertThat(error.getMessage()).contains("parameters.resolution", "parameters.seed", "; ");
  }

  @Test
  void anUnknownModelIsRejected() {
    VideoRequest r = VideoRequest.newBuilder(Requests.i2v("r1")).setModel("wan9-nope").build();
    assertThat(checks.violations(RequestMapper.toGeneration(r), cn).orElseThrow().getField())
        .isEqualTo("model");
  }

  @Test
  void anEmptyAccountIdIsRejectedNamingTheField() {
    VideoRequest r = Requests.i2v("r1");
    r.setAccountId("");
    var error = checks.violations(r, cn).orElseThrow();
    assertThat(error.getCode()).isEqualTo("INVALID_REQUEST");
    assertThat(error.getField()).isEqualTo("account_id");
    assertThat(error.getMessage()).contains("account_id is empty");
  }

  @Test
  void anAccountIdThatWouldBreakTotalsKeysIsRejected() {
    VideoRequest r = Requests.i2v("r1");
    r.setAccountId("acme|2026-01-01");
    assertThat(checks.violations(r, cn).orElseThrow().getField()).isEqualTo("account_id");
  }

  @Test
  void tenThousandMetadataEntriesAreRejected() {
    VideoRequest r = Requests.i2v("r1");
    java.util.Map<String, String> metadata = new java.util.HashMap<>();
    for (int i = 0; i < 10_000; i++) {
      metadata.put("k" + i, "v");
    }
    r.setMetadata(metadata);
    var error = checks.violations(r, cn).orElseThrow();
    assertThat(error.getField()).isEqualTo("metadata");
    assertThat(error.getMessage()).contains("10000 entries, at most 64");
  }

  @Test
  void theWholeRequestPassesWhenEveryPartIsValid() {
    assertThat(checks.violations(Requests.i2v("r1"), cn)).isEmpty();
  }

  @Test
  void aModelWithoutAVtrixIdIsRejectedForAVtrixAccountOnly() {
    ProviderAccount vtrix =
        new ProviderAccount(
            "vx",
            "vtrix",
            URI.create("http://localhost"),
            "cn",
            List.of(new ApiKey("vx#0", "k")),
            cn.limits(),
            java.util.Map.of());
    VideoRequest unmapped =
        VideoRequest.newBuilder(Requests.i2v("r1")).setModel("wan2.2-i2v-plus").build();
    unmapped.getParameters().setResolution("1080P");

    assertThat(checks.violations(RequestMapper.toGeneration(unmapped), cn)).isEmpty();
    var error = checks.violations(RequestMapper.toGeneration(unmapped), vtrix).orElseThrow();
    assertThat(error.getCode()).isEqualTo("INVALID_REQUEST");
    assertThat(error.getField()).isEqualTo("model");
    assertThat(error.getStage()).isEqualTo(ErrorStage.VALIDATION);
    assertThat(error.getMessage()).contains("wan2.2-i2v-plus", "vtrix", "model-ids");
    assertThat(checks.violations(RequestMapper.toGeneration(Requests.i2v("r2")), vtrix)).isEmpty();

    ProviderAccount mapped =
        new ProviderAccount(
            "vx",
            "vtrix",
            URI.create("http://localhost"),
            "cn",
            List.of(new ApiKey("vx#0", "k")),
            cn.limits(),
            java.util.Map.of("model-ids", "wan2.2-i2v-plus=wan22_i2v_plus"));
    assertThat(checks.violations(RequestMapper.toGeneration(unmapped), mapped)).isEmpty();
  }

  @Test
  void factsComeFromTheCatalogue() {
    VideoRequest r = Requests.i2v("r1");
    r.getParameters().setResolution(null);
    r.getParameters().setDuration(null);
    RequestedFacts facts = checks.facts(RequestMapper.toGeneration(r));
    assertThat(facts.resolution()).isEqualTo("720P");
    assertThat(facts.durationSeconds()).isEqualTo(5);
  }
}
