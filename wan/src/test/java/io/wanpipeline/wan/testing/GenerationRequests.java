package io.wanpipeline.wan.testing;

import io.wanpipeline.wan.GenerationRequest;

/**
 * Standard generation requests of the provider-facing tests; {@link GenerationRequestBuilder} for
 * others.
 */
public final class GenerationRequests {
  /** The image of the image-to-video requests. */
  public static final String IMAGE = "https://example.com/cat.png";

  private GenerationRequests() {}

  /** {@code model} from {@link #IMAGE} at {@code resolution}, without prompt extension. */
  public static GenerationRequest i2v(String model, String prompt, String resolution) {
    return GenerationRequestBuilder.model(model)
        .prompt(prompt)
        .imgUrl(IMAGE)
        .resolution(resolution)
        .promptExtend(false)
        .build();
  }

  /** wan2.2-i2v-flash at 480P from {@link #IMAGE}, without prompt extension. */
  public static GenerationRequest flash(String prompt) {
    return i2v("wan2.2-i2v-flash", prompt, "480P");
  }

  /** wan2.2-kf2v-flash at 720P between two frames. */
  public static GenerationRequest kf2v(String prompt) {
    return GenerationRequestBuilder.model("wan2.2-kf2v-flash")
        .prompt(prompt)
        .firstFrameUrl("https://example.com/a.png")
        .lastFrameUrl("https://example.com/b.png")
        .resolution("720P")
        .build();
  }

  /**
   * wan2.2-s2v at 480P: a portrait and a speech track, and {@code prompt}, which the simulator
   * ignores and our validator refuses (the model takes none).
   */
  public static GenerationRequest s2v(String prompt) {
    return GenerationRequestBuilder.model("wan2.2-s2v")
        .prompt(prompt)
        .imageUrl("https://example.com/p.jpg")
        .audioUrl("https://example.com/a.mp3")
        .resolution("480P")
        .build();
  }
}
