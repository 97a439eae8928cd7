package io.wanpipeline.infra.demo;

import io.wanpipeline.events.Media;
import io.wanpipeline.events.Priority;
import io.wanpipeline.events.VideoInput;
import io.wanpipeline.events.VideoParameters;
import io.wanpipeline.events.VideoRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The demo's sample requests: several model families, one request the pipeline must reject, and one
 * the simulator fails (through its {@code [sim:fail=...]} prompt marker).
 */
public final class DemoRequests {
  /** The caller account the demo bills. */
  public static final String ACCOUNT = "demo-team";

  private static final String IMAGE = "https://example.com/wan-demo/cat.png";

  private DemoRequests() {}

  /** The sample requests, with request ids unique to {@code runId}. */
  public static List<VideoRequest> create(String runId) {
    List<VideoRequest> requests = new ArrayList<>();
    requests.add(
        request(
            runId,
            1,
            "wan2.2-i2v-flash",
            input("a cat turns its head", IMAGE),
            params("480P", null, null)));
    requests.add(
        request(
            runId,
            2,
            "wan2.2-i2v-flash",
            input("a cat blinks slowly", IMAGE),
            params("720P", null, null)));
    requests.add(
        request(
            runId,
            3,
            "wan2.6-t2v",
            input("a paper boat on a rainy street", null),
            params(null, "1280*720", 5)));
    requests.add(
        request(
            runId,
            4,
            "wan2.5-t2v-preview",
            input("a lighthouse at dusk", null),
            params(null, "832*480", 10)));
    VideoInput frames = input("a flower opens", null);
    frames.setFirstFrameUrl("https://example.com/wan-demo/bud.png");
    frames.setLastFrameUrl("https://example.com/wan-demo/bloom.png");
    requests.add(request(runId, 5, "wan2.2-kf2v-flash", frames, params("720P", null, null)));
    VideoInput media = input("the portrait smiles", null);
    media.setMedia(List.of(Media.newBuilder().setType("first_frame").setUrl(IMAGE).build()));
    VideoRequest batch = request(runId, 6, "wan2.7-i2v", media, params("720P", null, 3));
    batch.setPriority(Priority.BATCH);
    requests.add(batch);
    requests.add(
        request(
            runId,
            7,
            "wan2.2-i2v-flash",
            input("this model has no 1080P", IMAGE),
            params("1080P", null, null)));
    requests.add(
        request(
            runId,
            8,
            "wan2.6-t2v",
            input("the provider refuses this one [sim:fail=DataInspectionFailed]", null),
            params(null, "1280*720", 5)));
    return requests;
  }

  private static VideoRequest request(
      String runId, int n, String model, VideoInput input, VideoParameters parameters) {
    return VideoRequest.newBuilder()
        .setRequestId("demo-" + runId + "-" + n)
        .setAccountId(ACCOUNT)
        .setModel(model)
        .setInput(input)
        .setParameters(parameters)
        .setMetadata(Map.of("source", "wan-pipeline demo"))
        .build();
  }

  private static VideoInput input(String prompt, String image) {
    return VideoInput.newBuilder().setPrompt(prompt).setImgUrl(image).build();
  }

  private static VideoParameters params(String resolution, String size, Integer duration) {
    return VideoParameters.newBuilder()
        .setResolution(resolution)
        .setSize(size)
        .setDuration(duration)
        .setPromptExtend(false)
        .build();
  }
}
