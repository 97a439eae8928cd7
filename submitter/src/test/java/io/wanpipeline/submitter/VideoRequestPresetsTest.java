package io.wanpipeline.submitter;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.infra.testing.fixtures.VideoRequests;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.account.ProviderAccount;
import io.wanpipeline.wan.catalogue.ModelCatalogue;
import java.net.URI;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The test kit's request presets are what they promise: requests the intake lets through. */
class VideoRequestPresetsTest {
  private final RequestChecks checks = new RequestChecks(ModelCatalogue.standard());
  private final ProviderAccount cn =
      new ProviderAccount(
          "default",
          "dashscope",
          URI.create("http://localhost"),
          "cn",
          List.of(new ApiKey("default#0", "k")));

  static Stream<VideoRequest> presets() {
    return Stream.of(
        VideoRequests.t2v("preset-t2v").build(),
        VideoRequests.i2vFlash("preset-i2v-flash").build(),
        VideoRequests.kf2v("preset-kf2v").build());
  }

  @ParameterizedTest
  @MethodSource("presets")
  void everyPresetPassesTheIntakeChecks(VideoRequest request) {
    assertThat(checks.violations(request, cn)).as(request.getModel()).isEmpty();
  }
}
