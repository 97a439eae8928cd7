package io.wanpipeline.wan.testing;

import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.GenerationRequest.Input;
import io.wanpipeline.wan.GenerationRequest.Parameters;
import java.util.Map;

/** Generation requests the simulator tests send. */
public final class Requests {
  private Requests() {}

  public static GenerationRequest i2v(String model, String prompt, String resolution) {
    return new GenerationRequest(
        model,
        new Input(
            prompt, null, "https://example.com/cat.png", null, null, null, null, null, null, null),
        new Parameters(resolution, null, null, null, false, null, null, null, null, Map.of()));
  }

  public static GenerationRequest flash(String prompt) {
    return i2v("wan2.2-i2v-flash", prompt, "480P");
  }

  public static GenerationRequest kf2v(String prompt) {
    return new GenerationRequest(
        "wan2.2-kf2v-flash",
        new Input(
            prompt,
            null,
            null,
            "https://example.com/a.png",
            "https://example.com/b.png",
            null,
            null,
            null,
            null,
            null),
        new Parameters("720P", null, null, null, null, null, null, null, null, Map.of()));
  }

  public static GenerationRequest s2v(String prompt) {
    return new GenerationRequest(
        "wan2.2-s2v",
        new Input(
            prompt,
            null,
            null,
            null,
            null,
            "https://example.com/p.jpg",
            "https://example.com/a.mp3",
            null,
            null,
            null),
        new Parameters("480P", null, null, null, null, null, null, null, null, Map.of()));
  }
}
