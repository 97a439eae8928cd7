package io.wanpipeline.wan.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.infra.simulator.WanSimulator;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.SubmitOutcome;
import io.wanpipeline.wan.catalogue.ModelCatalogue;
import io.wanpipeline.wan.dashscope.DashScopeClient;
import io.wanpipeline.wan.validation.RequestValidator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The presets are what they promise: requests our validator passes and the simulator, which judges
 * from its own table, accepts. {@link GenerationRequests#s2v} is the exception our validator
 * refuses: it sends a prompt, which the simulator tolerates and its tests rely on.
 */
class GenerationRequestPresetsTest {
  private static final ApiKey KEY = new ApiKey("default#0", "sk-presets");
  private static WanSimulator sim;

  @BeforeAll
  static void start() {
    sim = WanSimulator.start();
  }

  @AfterAll
  static void stop() {
    sim.close();
  }

  static Stream<GenerationRequest> validPresets() {
    return Stream.of(
        GenerationRequestBuilder.t2v().build(),
        GenerationRequestBuilder.i2vFlash().build(),
        GenerationRequests.flash("a cat"),
        GenerationRequests.kf2v("a cat turns"));
  }

  /** The valid presets and s2v, whose prompt our validator refuses (wan2.2-s2v takes none). */
  static Stream<GenerationRequest> presets() {
    return Stream.concat(validPresets(), Stream.of(GenerationRequests.s2v("a portrait speaks")));
  }

  @ParameterizedTest
  @MethodSource("validPresets")
  void ourValidatorPassesEveryValidPreset(GenerationRequest request) {
    assertThat(new RequestValidator(ModelCatalogue.standard()).validate(request))
        .as(request.model())
        .isEmpty();
  }

  @ParameterizedTest
  @MethodSource("presets")
  void theSimulatorAcceptsEveryPreset(GenerationRequest request) {
    SubmitOutcome outcome =
        DashScopeClient.builder()
            .baseUrl(sim.baseUrl())
            .build()
            .submit(KEY, request, "preset-" + java.util.UUID.randomUUID());
    assertThat(outcome).as(request.model()).isInstanceOf(SubmitOutcome.Accepted.class);
  }
}
