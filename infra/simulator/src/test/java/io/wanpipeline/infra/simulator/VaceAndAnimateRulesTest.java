package io.wanpipeline.infra.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * VACE ({@code wanx2.1-vace-plus}) and animate ({@code wan2.2-animate-move/mix}) as the simulator
 * serves them over loopback HTTP, each rule backed by /work/notes/vace-animate-api.md (the official
 * pages it cites): the inputs of each VACE function, animate's required mode, the tier an animate
 * task is billed at (its mode) and a usage without a made-up tier.
 */
class VaceAndAnimateRulesTest {

  private static final String KEY = "sk-vace-animate";
  private static final Instant T0 = Instant.parse("2026-05-01T04:00:00Z");
  private static final String VIDEO_GENERATION =
      "/api/v1/services/aigc/video-generation/video-synthesis";
  private static final String IMAGE2VIDEO = "/api/v1/services/aigc/image2video/video-synthesis";
  private static final String IMG = "https://example.com/ref.png";
  private static final String VID = "https://example.com/in.mp4";
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static WanSimulator sim;

  @BeforeAll
  static void start() {
    sim = WanSimulator.start(SimulatorConfig.builder().build());
  }

  @AfterAll
  static void stop() {
    sim.close();
  }

  // ---------------------------------------------------------------- VACE

  static Stream<Arguments> vaceFunctions() {
    return Stream.of(
        Arguments.of(
            "image_reference",
            "'ref_images_url':['" + IMG + "','" + IMG + "']",
            "'obj_or_bg':['obj','bg'],'size':'1280*720'"),
        Arguments.of(
            "video_repainting",
            "'video_url':'" + VID + "','ref_images_url':['" + IMG + "']",
            "'control_condition':'depth','strength':0.8"),
        Arguments.of(
            "video_edit",
            "'video_url':'" + VID + "','mask_image_url':'" + IMG + "'",
            "'mask_type':'tracking','expand_ratio':0.05,'expand_mode':'hull','mask_frame_id':1"),
        Arguments.of("video_extension", "'first_clip_url':'" + VID + "'", "'duration':5"),
        Arguments.of(
            "video_outpainting",
            "'video_url':'" + VID + "'",
            "'top_scale':1.5,'bottom_scale':1.5,'left_scale':1.2,'right_scale':1.2"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vaceFunctions")
  void acceptsEachVaceFunctionWithTheInputsItNeeds(String function, String input, String params)
      throws Exception {
    HttpResponse<String> r =
        post(
            VIDEO_GENERATION,
            vace("wanx2.1-vace-plus", "'function':'" + function + "','prompt':'a fox'," + input)
                .replace("}}", "}, 'parameters':{" + params + ",'seed':7,'prompt_extend':false}}"));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    String taskId = MAPPER.readTree(r.body()).path("output").path("task_id").asText();
    assertThat(sim.ledger().task(taskId))
        .hasValueSatisfying(t -> assertThat(t.tier()).isEqualTo("720P"));
  }

  @Test
  void servesTheSingaporeIdOfVace() throws Exception {
    HttpResponse<String> r =
        post(
            VIDEO_GENERATION,
            vace(
                "wan2.1-vace-plus",
                "'function':'video_outpainting','prompt':'wider','video_url':'" + VID + "'"));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  static Stream<Arguments> vaceRefusals() {
    return Stream.of(
        Arguments.of(
            "'prompt':'a fox','video_url':'" + VID + "'", "Field required: input.function"),
        Arguments.of(
            "'function':'video_magic','prompt':'a fox'",
            "input.function must be one of image_reference, video_repainting, video_edit,"
                + " video_extension, video_outpainting for wanx2.1-vace-plus, not video_magic"),
        Arguments.of(
            "'function':'video_outpainting','video_url':'" + VID + "'",
            "Field required: input.prompt"),
        Arguments.of(
            "'function':'image_reference','prompt':'a fox'",
            "Field required: input.ref_images_url for image_reference"),
        Arguments.of(
            "'function':'image_reference','prompt':'a fox','ref_images_url':['" + IMG + "']",
            "Field required: parameters.obj_or_bg for image_reference"),
        Arguments.of(
            "'function':'image_reference','prompt':'a fox','ref_images_url':['"
                + IMG
                + "','"
                + IMG
                + "','"
                + IMG
                + "','"
                + IMG
                + "']}, 'parameters':{'obj_or_bg':['obj','obj','obj','bg']",
            "input.ref_images_url: image_reference takes 1 to 3 items, not 4"),
        Arguments.of(
            "'function':'image_reference','prompt':'a fox','ref_images_url':['"
                + IMG
                + "','"
                + IMG
                + "']}, 'parameters':{'obj_or_bg':['obj']",
            "parameters.obj_or_bg must have as many items as input.ref_images_url (2), not 1"),
        Arguments.of(
            "'function':'image_reference','prompt':'a fox','ref_images_url':['"
                + IMG
                + "','"
                + IMG
                + "']}, 'parameters':{'obj_or_bg':['obj','person']",
            "parameters.obj_or_bg[1] must be one of obj, bg, not person"),
        Arguments.of(
            "'function':'image_reference','prompt':'a fox','ref_images_url':['"
                + IMG
                + "','"
                + IMG
                + "']}, 'parameters':{'obj_or_bg':['bg','bg']",
            "parameters.obj_or_bg takes at most 1 bg, not 2"),
        Arguments.of(
            "'function':'image_reference','prompt':'a fox','ref_images_url':['"
                + IMG
                + "']}, 'parameters':{'obj_or_bg':'obj'",
            "parameters.obj_or_bg must be an array of strings"),
        Arguments.of(
            "'function':'image_reference','prompt':'a fox','ref_images_url':'" + IMG + "'",
            "input.ref_images_url must be an array of strings"),
        Arguments.of(
            "'function':'image_reference','prompt':'a fox','ref_images_url':['file:///etc/x.png']}"
                + ", 'parameters':{'obj_or_bg':['obj']",
            "input.ref_images_url[0] must be a public http(s) URL or an oss:// URL"),
        Arguments.of(
            "'function':'video_repainting','prompt':'a fox'}, 'parameters':{'control_condition':"
                + "'depth'",
            "Field required: input.video_url for video_repainting"),
        Arguments.of(
            "'function':'video_repainting','prompt':'a fox','video_url':'" + VID + "'",
            "Field required: parameters.control_condition for video_repainting"),
        Arguments.of(
            "'function':'video_repainting','prompt':'a fox','video_url':'"
                + VID
                + "','ref_images_url':['"
                + IMG
                + "','"
                + IMG
                + "']}, 'parameters':{'control_condition':'depth'",
            "input.ref_images_url: video_repainting takes 0 to 1 items, not 2"),
        Arguments.of(
            "'function':'video_edit','prompt':'a fox'",
            "Field required: input.video_url for video_edit"),
        Arguments.of(
            "'function':'video_edit','prompt':'a fox','video_url':'"
                + VID
                + "','ref_images_url':['"
                + IMG
                + "','"
                + IMG
                + "']",
            "input.ref_images_url: video_edit takes 0 to 1 items, not 2"),
        Arguments.of(
            "'function':'video_edit','prompt':'a fox','video_url':'"
                + VID
                + "','mask_image_url':'ftp://example.com/m.png'",
            "input.mask_image_url must be a public http(s) URL, a data URI or an oss:// URL"),
        Arguments.of(
            "'function':'video_extension','prompt':'a fox','video_url':'" + VID + "'",
            "Field required: one of input.first_clip_url, input.last_clip_url,"
                + " input.first_frame_url, input.last_frame_url for video_extension"),
        Arguments.of(
            "'function':'video_extension','prompt':'a fox','last_clip_url':'/tmp/clip.mp4'",
            "input.last_clip_url must be a public http(s) URL, a data URI or an oss:// URL"),
        Arguments.of(
            "'function':'video_outpainting','prompt':'a fox'",
            "Field required: input.video_url for video_outpainting"),
        Arguments.of(
            "'function':'video_outpainting','prompt':'a fox','video_url':'"
                + VID
                + "'}, 'parameters':{'duration':10",
            "parameters.duration: wanx2.1-vace-plus supports a fixed duration of 5 seconds, not"
                + " 10"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("vaceRefusals")
  void refusesAVaceCallWithoutTheInputsItsFunctionNeeds(String input, String message)
      throws Exception {
    HttpResponse<String> r = post(VIDEO_GENERATION, vace("wanx2.1-vace-plus", input));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    JsonNode body = MAPPER.readTree(r.body());
    assertThat(body.path("code").asText()).isEqualTo("InvalidParameter");
    assertThat(List.of(body.path("message").asText().split("; "))).contains(message);
  }

  @Test
  void ignoresAFieldTheFunctionDoesNotUse() throws Exception {
    HttpResponse<String> r =
        post(
            VIDEO_GENERATION,
            vace(
                "wanx2.1-vace-plus",
                "'function':'image_reference','prompt':'a fox','video_url':'"
                    + VID
                    + "','ref_images_url':['"
                    + IMG
                    + "']}, 'parameters':{'obj_or_bg':['obj'],'control_condition':'depth'"));

    assertThat(r.statusCode())
        .as("the provider tolerates extra fields (docs/protocol.md 1.4): %s", r.body())
        .isEqualTo(200);
  }

  // ---------------------------------------------------------------- animate

  @ParameterizedTest
  @ValueSource(
      strings = {
        "wan2.2-animate-move|wan-std|WAN-STD",
        "wan2.2-animate-move|wan-pro|WAN-PRO",
        "wan2.2-animate-mix|wan-std|WAN-STD",
        "wan2.2-animate-mix|wan-pro|WAN-PRO"
      })
  void acceptsAnAnimateCallAndBillsItAtItsModeInUpperCase(String row) throws Exception {
    String[] c = row.split("\\|");
    HttpResponse<String> r =
        post(
            IMAGE2VIDEO,
            animate(
                c[0],
                "'image_url':'" + IMG + "','video_url':'" + VID + "','watermark':true",
                "'mode':'" + c[1] + "','check_image':false"));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    String taskId = MAPPER.readTree(r.body()).path("output").path("task_id").asText();
    assertThat(sim.ledger().task(taskId))
        .hasValueSatisfying(
            t -> assertThat(t.tier()).as("animate is priced by mode").isEqualTo(c[2]));
  }

  @Test
  void ignoresAPromptOnAnAnimateModel() throws Exception {
    HttpResponse<String> r =
        post(
            IMAGE2VIDEO,
            animate(
                "wan2.2-animate-move",
                "'prompt':'dance','image_url':'" + IMG + "','video_url':'" + VID + "'",
                "'mode':'wan-std'"));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  static Stream<Arguments> animateRefusals() {
    return Stream.of(
        Arguments.of(
            "'image_url':'" + IMG + "','video_url':'" + VID + "'",
            "{}",
            "Field required: parameters.mode"),
        Arguments.of(
            "'image_url':'" + IMG + "','video_url':'" + VID + "'",
            "{'mode':'wan-max'}",
            "parameters.mode must be one of [wan-std, wan-pro] for wan2.2-animate-move"),
        Arguments.of(
            "'video_url':'" + VID + "'", "{'mode':'wan-std'}", "Field required: input.image_url"),
        Arguments.of(
            "'image_url':'" + IMG + "'", "{'mode':'wan-std'}", "Field required: input.video_url"),
        Arguments.of(
            "'image_url':'" + IMG + "','video_url':'ftp://example.com/v.mp4'",
            "{'mode':'wan-std'}",
            "input.video_url must be a public http(s) URL, a data URI or an oss:// URL"));
  }

  @ParameterizedTest(name = "{2}")
  @MethodSource("animateRefusals")
  void refusesAnAnimateCallWithoutItsImageVideoOrMode(
      String input, String parameters, String message) throws Exception {
    String body =
        "{'model':'wan2.2-animate-move','input':{" + input + "},'parameters':" + parameters + "}";
    HttpResponse<String> r = post(IMAGE2VIDEO, body);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    JsonNode json = MAPPER.readTree(r.body());
    assertThat(json.path("code").asText()).isEqualTo("InvalidParameter");
    assertThat(List.of(json.path("message").asText().split("; "))).contains(message);
  }

  @ParameterizedTest
  @ValueSource(strings = {"CURRENT", "LEGACY"})
  void reportsAnAnimateUsageWithDurationAndCountOnlyInEveryUsageStyle(String style)
      throws Exception {
    AdjustableClock clock = new AdjustableClock(T0);
    try (WanSimulator own =
        WanSimulator.start(
            SimulatorConfig.builder()
                .clock(clock)
                .pendingTime(Duration.ofSeconds(1))
                .runningTime(Duration.ofSeconds(10))
                .usageStyle(UsageStyle.valueOf(style))
                .build())) {
      HttpResponse<String> r =
          post(
              own,
              IMAGE2VIDEO,
              animate(
                  "wan2.2-animate-mix",
                  "'image_url':'" + IMG + "','video_url':'" + VID + "'",
                  "'mode':'wan-pro'"));
      String taskId = MAPPER.readTree(r.body()).path("output").path("task_id").asText();
      clock.advance(Duration.ofSeconds(12));

      JsonNode done = query(own, taskId);
      assertThat(done.path("output").path("task_status").asText()).isEqualTo("SUCCEEDED");
      JsonNode usage = done.path("usage");
      assertThat(fieldNames(usage))
          .as("no SR, video_ratio or resolution: the official usage shape is unknown")
          .containsExactly("video_duration", "video_count");
      assertThat(usage.path("video_duration").decimalValue())
          .isEqualByComparingTo(
              java.math.BigDecimal.valueOf(
                  own.ledger().task(taskId).orElseThrow().usageMillis(), 3));
      assertThat(usage.path("video_count").asInt()).isEqualTo(1);
      assertThat(own.ledger().task(taskId).orElseThrow().tier()).isEqualTo("WAN-PRO");
    }
  }

  @Test
  void reportsAVaceUsageAtItsResolutionTier() throws Exception {
    AdjustableClock clock = new AdjustableClock(T0);
    try (WanSimulator own =
        WanSimulator.start(
            SimulatorConfig.builder()
                .clock(clock)
                .pendingTime(Duration.ofSeconds(1))
                .runningTime(Duration.ofSeconds(10))
                .build())) {
      HttpResponse<String> r =
          post(
              own,
              VIDEO_GENERATION,
              vace(
                  "wanx2.1-vace-plus",
                  "'function':'video_outpainting','prompt':'wider','video_url':'" + VID + "'"));
      String taskId = MAPPER.readTree(r.body()).path("output").path("task_id").asText();
      clock.advance(Duration.ofSeconds(12));

      JsonNode usage = query(own, taskId).path("usage");
      assertThat(usage.path("SR").asInt()).isEqualTo(720);
      assertThat(usage.path("duration").asInt()).isEqualTo(5);
    }
  }

  // ---------------------------------------------------------------- gateways

  @Test
  void muleRouterTranslatesFlatVaceAndAnimateFieldsBackToTheNativeBody() throws Exception {
    HttpResponse<String> vace =
        post(
            MuleRouterFrontEnd.PREFIX + "wanx2.1-vace-plus/generation",
            "{'function':'image_reference','prompt':'a fox','ref_images_url':['"
                + IMG
                + "','"
                + IMG
                + "'],'obj_or_bg':['obj','bg'],'size':'1280*720','duration':5}");
    HttpResponse<String> animate =
        post(
            MuleRouterFrontEnd.PREFIX + "wan2.2-animate-move/generation",
            "{'image':'"
                + IMG
                + "','video_url':'"
                + VID
                + "','mode':'wan-pro','check_image':true,'watermark':false}");
    HttpResponse<String> mismatched =
        post(
            MuleRouterFrontEnd.PREFIX + "wanx2.1-vace-plus/generation",
            "{'function':'image_reference','prompt':'a fox','ref_images_url':['"
                + IMG
                + "'],'obj_or_bg':['obj','obj']}");

    assertThat(vace.statusCode()).as(vace.body()).isEqualTo(202);
    assertThat(animate.statusCode()).as(animate.body()).isEqualTo(202);
    String animateTask = MAPPER.readTree(animate.body()).path("task_info").path("id").asText();
    assertThat(sim.ledger().task(animateTask))
        .hasValueSatisfying(t -> assertThat(t.tier()).isEqualTo("WAN-PRO"));
    assertThat(mismatched.statusCode()).isEqualTo(400);
    assertThat(MAPPER.readTree(mismatched.body()).path("detail").asText())
        .isEqualTo("obj_or_bg must have as many items as ref_images_url (1), not 2");
  }

  @Test
  void apiyiRelaysVaceAndAnimateOnTheirNativePaths() throws Exception {
    HttpResponse<String> animate =
        post(
            ApiyiFrontEnd.PREFIX + IMAGE2VIDEO,
            animate(
                "wan2.2-animate-mix",
                "'image_url':'" + IMG + "','video_url':'" + VID + "'",
                "'mode':'wan-std'"));
    HttpResponse<String> vace =
        post(
            ApiyiFrontEnd.PREFIX + VIDEO_GENERATION,
            vace(
                "wanx2.1-vace-plus",
                "'function':'video_edit','prompt':'a hat','video_url':'" + VID + "'"));

    assertThat(animate.statusCode()).as(animate.body()).isEqualTo(200);
    assertThat(vace.statusCode()).as(vace.body()).isEqualTo(200);
  }

  @ParameterizedTest
  @ValueSource(strings = {"wan2.2-animate-move", "wan2.2-animate-mix", "wanx2.1-vace-plus"})
  void crazyrouterDoesNotOfferVaceOrAnimate(String model) throws Exception {
    HttpResponse<String> r =
        post(
            CrazyrouterFrontEnd.PREFIX + VIDEO_GENERATION,
            "{'model':'"
                + model
                + "','input':{'prompt':'x','image_url':'"
                + IMG
                + "','video_url':'"
                + VID
                + "'},'parameters':{'mode':'wan-std'}}");

    assertThat(r.statusCode()).as("seed 000 lists neither: %s", r.body()).isEqualTo(503);
    assertThat(r.body()).contains("model_not_found");
  }

  // ---------------------------------------------------------------- reading

  @Test
  void readsArraysAndNonTextScalarsAsText() throws Exception {
    CreateBody body =
        CreateRequestReader.read(
            MAPPER.readTree(
                json(
                    "{'model':'wanx2.1-vace-plus','input':{'ref_images_url':['a','b'],"
                        + "'watermark':true},'parameters':{'obj_or_bg':['obj','bg'],"
                        + "'strength':0.8,'mask_frame_id':3,'check_image':false}}")));

    assertThat(body.input().list("ref_images_url")).containsExactly("a", "b");
    assertThat(body.input().text("watermark")).isEqualTo("true");
    assertThat(body.parameters().list("obj_or_bg")).containsExactly("obj", "bg");
    assertThat(body.parameters().others())
        .containsEntry("strength", "0.8")
        .containsEntry("mask_frame_id", "3")
        .containsEntry("check_image", "false");
  }

  // ---------------------------------------------------------------- helpers

  private static String vace(String model, String input) {
    return "{'model':'" + model + "','input':{" + input + "}}";
  }

  private static String animate(String model, String input, String parameters) {
    return "{'model':'" + model + "','input':{" + input + "},'parameters':{" + parameters + "}}";
  }

  private static String json(String singleQuoted) {
    return singleQuoted.replace('\'', '"');
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new java.util.ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static HttpResponse<String> post(String path, String body) throws Exception {
    return post(sim, path, body);
  }

  private static HttpResponse<String> post(WanSimulator target, String path, String body)
      throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(target.baseUrl() + path))
            .header("Authorization", "Bearer " + KEY)
            .header("Content-Type", "application/json")
            .header("X-DashScope-Async", "enable")
            .POST(HttpRequest.BodyPublishers.ofString(json(body)))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode query(WanSimulator target, String taskId) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(target.baseUrl() + "/api/v1/tasks/" + taskId))
                .header("Authorization", "Bearer " + KEY)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return MAPPER.readTree(r.body());
  }
}
