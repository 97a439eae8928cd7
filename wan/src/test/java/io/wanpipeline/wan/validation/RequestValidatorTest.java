package io.wanpipeline.wan.validation;

import static io.wanpipeline.wan.testing.GenerationRequestBuilder.model;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.catalogue.ModelCatalogue;
import io.wanpipeline.wan.catalogue.Region;
import io.wanpipeline.wan.testing.GenerationRequestBuilder;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RequestValidatorTest {
  private static final String IMG = "https://example.com/cat.png";
  private static final String AUDIO = "https://example.com/voice.mp3";
  private static final String VIDEO = "https://example.com/clip.mp4";

  private final RequestValidator validator = new RequestValidator(ModelCatalogue.standard());

  @Test
  void explainsAnUnsupportedResolutionWithTheAcceptedTiers() {
    List<Violation> v =
        validator.validate(model("wan2.2-i2v-flash").imgUrl(IMG).resolution("1080P").build());

    assertThat(v)
        .containsExactly(
            new Violation(
                "parameters.resolution",
                "parameters.resolution: wan2.2-i2v-flash supports 480P and 720P, not 1080P"));
  }

  static Stream<Arguments> validRequests() {
    return Stream.of(
        req("wan2.1 t2v", model("wanx2.1-t2v-turbo").prompt("a cat").size("832*480")),
        req("wan2.1 i2v", model("wanx2.1-i2v-turbo").imgUrl(IMG).resolution("480P").duration(3)),
        req("wan2.1 i2v intl", model("wan2.1-i2v-plus").imgUrl(IMG).resolution("720P")),
        req("wan2.1 kf2v", model("wanx2.1-kf2v-plus").firstFrameUrl(IMG).lastFrameUrl(IMG)),
        req("wan2.2 t2v", model("wan2.2-t2v-plus").prompt("a cat").size("1920*1080").duration(5)),
        req(
            "wan2.2 i2v flash",
            model("wan2.2-i2v-flash")
                .prompt("the cat blinks")
                .negativePrompt("blur")
                .imgUrl("data:image/png;base64,iVBORw0KGgo=")
                .resolution("480P")
                .duration(5)
                .seed(2_147_483_647L)),
        req("wan2.2 i2v template", model("wan2.2-i2v-flash").imgUrl(IMG).template("flying")),
        req(
            "wan2.2 kf2v",
            model("wan2.2-kf2v-flash").firstFrameUrl(IMG).lastFrameUrl(IMG).resolution("1080P")),
        req("wan2.2 s2v", model("wan2.2-s2v").imageUrl(IMG).audioUrl(AUDIO).resolution("720P")),
        req(
            "wan2.5 t2v with audio",
            model("wan2.5-t2v-preview").prompt("rain").audioUrl(AUDIO).duration(10).audio(true)),
        req("wan2.5 i2v", model("wan2.5-i2v-preview").imgUrl(IMG).resolution("480P")),
        req(
            "wan2.6 t2v",
            model("wan2.6-t2v")
                .prompt("city")
                .size("1080*1920")
                .duration(13)
                .shotType("multi")
                .seed(0L)),
        req("wan2.6 i2v", model("wan2.6-i2v").imgUrl(IMG).resolution("720P").duration(15)),
        req(
            "wan2.6 i2v flash",
            model("wan2.6-i2v-flash").imgUrl(IMG).duration(2).audio(false).shotType("single")),
        req(
            "wan2.6 r2v",
            model("wan2.6-r2v-flash")
                .prompt("character1 waves")
                .referenceUrl(VIDEO)
                .referenceUrl(IMG)
                .size("1280*720")
                .duration(10)),
        req("wan2.7 t2v", model("wan2.7-t2v").prompt("sea").resolution("720P").ratio("9:16")),
        req("wan2.7 t2v snapshot", model("wan2.7-t2v-2026-06-12").prompt("sea").audioUrl(AUDIO)),
        req("wan2.7 i2v f", model("wan2.7-i2v").prompt("a fox").media("first_frame", IMG)),
        req(
            "wan2.7 i2v f+audio",
            model("wan2.7-i2v")
                .prompt("a fox")
                .media("first_frame", IMG)
                .media("driving_audio", AUDIO)),
        req(
            "wan2.7 i2v f+last",
            model("wan2.7-i2v").prompt("a fox").media("last_frame", IMG).media("first_frame", IMG)),
        req(
            "wan2.7 i2v f+last+audio",
            model("wan2.7-i2v")
                .prompt("a fox")
                .media("first_frame", IMG)
                .media("last_frame", IMG)
                .media("driving_audio", AUDIO)),
        req(
            "wan2.7 i2v clip",
            model("wan2.7-i2v").prompt("a fox").media("first_clip", VIDEO).duration(15)),
        req(
            "wan2.7 i2v clip+last",
            model("wan2.7-i2v")
                .prompt("a fox")
                .media("first_clip", VIDEO)
                .media("last_frame", IMG)),
        req(
            "wan2.7 r2v",
            model("wan2.7-r2v")
                .prompt("image1 dances")
                .media("reference_image", IMG)
                .media(new GenerationRequest.MediaItem("reference_video", VIDEO, AUDIO, "a man"))
                .duration(10)
                .ratio("1:1")),
        req(
            "wan2.7 videoedit",
            model("wan2.7-videoedit")
                .prompt("a fox")
                .prompt("make it snow")
                .media("video", VIDEO)
                .media("reference_image", IMG)
                .duration(0)),
        req("happyhorse t2v", model("happyhorse-1.0-t2v").prompt("horse").duration(15)),
        req(
            "happyhorse i2v",
            model("happyhorse-1.1-i2v").prompt("a fox").media("first_frame", IMG)),
        req(
            "happyhorse r2v",
            model("happyhorse-1.0-r2v").prompt("horse").media("reference_image", IMG)),
        req(
            "happyhorse edit",
            model("happyhorse-1.0-video-edit").prompt("night").media("video", VIDEO)),
        req(
            "SDK-style i2v (size and duration always sent)",
            model("wan2.2-i2v-flash").imgUrl(IMG).resolution("480P").size("1280*720").duration(5)),
        req(
            "SDK-style s2v (duration is ignored)",
            model("wan2.2-s2v")
                .imageUrl(IMG)
                .audioUrl(AUDIO)
                .resolution("720P")
                .size("1280*720")
                .duration(5)),
        req(
            "prompts at their limits",
            model("wan2.2-t2v-plus").prompt("x".repeat(800)).negativePrompt("n".repeat(500))),
        req(
            "animate-move, standard mode",
            model("wan2.2-animate-move").imageUrl(IMG).videoUrl(VIDEO).extra("mode", "wan-std")),
        req(
            "animate-mix, professional mode, image check off",
            model("wan2.2-animate-mix")
                .imageUrl(IMG)
                .videoUrl(VIDEO)
                .extra("mode", "wan-pro")
                .extra("check_image", false)),
        req(
            "vace image_reference, an object and a background",
            vace("image_reference")
                .refImageUrl(IMG)
                .refImageUrl(IMG)
                .extra("obj_or_bg", List.of("obj", "bg"))
                .size("1280*720")),
        req(
            "vace video_repainting",
            vace("video_repainting")
                .videoUrl(VIDEO)
                .extra("control_condition", "depth")
                .extra("strength", 0.8)),
        req(
            "vace video_edit with a mask and a reference",
            vace("video_edit")
                .videoUrl(VIDEO)
                .maskImageUrl(IMG)
                .refImageUrl(IMG)
                .extra("mask_type", "tracking")
                .extra("expand_ratio", 0.05)),
        req("vace video_extension from a clip", vace("video_extension").firstClipUrl(VIDEO)),
        req("vace video_extension to a last frame", vace("video_extension").lastFrameUrl(IMG)),
        req(
            "vace video_outpainting",
            vace("video_outpainting").videoUrl(VIDEO).extra("top_scale", 1.5)),
        req(
            "vace Singapore id",
            model("wan2.1-vace-plus").prompt("x").function("video_outpainting").videoUrl(VIDEO)));
  }

  private static GenerationRequestBuilder vace(String function) {
    return model("wanx2.1-vace-plus").prompt("a fox in the snow").function(function);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("validRequests")
  void acceptsValidRequestsOfEveryFamily(String name, GenerationRequest request) {
    assertThat(validator.validate(request)).isEmpty();
  }

  static Stream<Arguments> invalidRequests() {
    return Stream.of(
        bad("unknown model", model("wan2.2-i2v-fast").imgUrl(IMG), "model"),
        bad("no model", model(null).prompt("x"), "model"),
        bad("t2v without prompt", model("wan2.6-t2v").size("1280*720"), "input.prompt"),
        bad("blank prompt", model("wan2.2-t2v-plus").prompt("  "), "input.prompt"),
        bad("i2v without image", model("wan2.2-i2v-flash").prompt("x"), "input.img_url"),
        bad(
            "kf2v without first frame",
            model("wan2.2-kf2v-flash").prompt("x").lastFrameUrl(IMG),
            "input.first_frame_url"),
        bad("s2v without audio", model("wan2.2-s2v").imageUrl(IMG), "input.audio_url"),
        bad("r2v without references", model("wan2.6-r2v").prompt("x"), "input.reference_urls"),
        bad("wan2.7 i2v without media", model("wan2.7-i2v").prompt("x"), "input.media"),
        bad(
            "wan2.7 i2v without prompt (seed 002: prompt is required in the wan2.7 schema)",
            model("wan2.7-i2v").media("first_frame", IMG),
            "input.prompt"),
        bad(
            "happyhorse video edit without prompt (same schema as wan2.7)",
            model("happyhorse-1.0-video-edit").media("video", VIDEO),
            "input.prompt"),
        bad("img_url on t2v", model("wan2.6-t2v").prompt("x").imgUrl(IMG), "input.img_url"),
        bad(
            "img_url on wan2.7 i2v",
            model("wan2.7-i2v").prompt("a fox").media("first_frame", IMG).imgUrl(IMG),
            "input.img_url"),
        bad(
            "media on legacy",
            model("wan2.2-i2v-flash").imgUrl(IMG).media("first_frame", IMG),
            "input.media"),
        bad(
            "prompt on s2v",
            model("wan2.2-s2v").imageUrl(IMG).audioUrl(AUDIO).prompt("x"),
            "input.prompt"),
        bad(
            "template on t2v",
            model("wan2.6-t2v").prompt("x").template("flying"),
            "input.template"),
        bad(
            "template on intl i2v",
            model("wan2.1-i2v-turbo").imgUrl(IMG).template("flying"),
            "input.template"),
        bad(
            "audio_url on wan2.2",
            model("wan2.2-i2v-plus").imgUrl(IMG).audioUrl(AUDIO),
            "input.audio_url"),
        bad(
            "resolution not supported",
            model("wan2.2-i2v-plus").imgUrl(IMG).resolution("720P"),
            "parameters.resolution"),
        bad(
            "resolution lower case",
            model("wan2.6-i2v").imgUrl(IMG).resolution("720p"),
            "parameters.resolution"),
        bad(
            "480P on wan2.7",
            model("wan2.7-t2v").prompt("x").resolution("480P"),
            "parameters.resolution"),
        bad(
            "size of an unsupported tier",
            model("wan2.6-t2v").prompt("x").size("832*480"),
            "parameters.size"),
        bad(
            "size with x",
            model("wan2.2-t2v-plus").prompt("x").size("1920x1080"),
            "parameters.size"),
        bad(
            "720P size on wan2.2 t2v",
            model("wan2.2-t2v-plus").prompt("x").size("1280*720"),
            "parameters.size"),
        bad(
            "ratio not supported",
            model("wan2.7-t2v").prompt("x").ratio("21:9"),
            "parameters.ratio"),
        bad(
            "ratio on wan2.7 i2v",
            model("wan2.7-i2v").prompt("a fox").media("first_frame", IMG).ratio("16:9"),
            "parameters.ratio"),
        bad(
            "ratio on legacy t2v",
            model("wan2.6-t2v").prompt("x").ratio("16:9"),
            "parameters.ratio"),
        bad(
            "duration 10 on fixed 5",
            model("wan2.2-i2v-flash").imgUrl(IMG).duration(10),
            "parameters.duration"),
        bad(
            "duration 7 on 5 or 10",
            model("wan2.5-t2v-preview").prompt("x").duration(7),
            "parameters.duration"),
        bad(
            "duration 16 on 2..15",
            model("wan2.6-t2v").prompt("x").duration(16),
            "parameters.duration"),
        bad(
            "duration 1 on 2..15",
            model("wan2.7-i2v").prompt("a fox").media("first_frame", IMG).duration(1),
            "parameters.duration"),
        bad(
            "duration 0 on t2v",
            model("wan2.6-t2v").prompt("x").duration(0),
            "parameters.duration"),
        bad(
            "duration 12 with video reference",
            model("wan2.7-r2v").prompt("x").media("reference_video", VIDEO).duration(12),
            "parameters.duration"),
        bad(
            "videoedit too long",
            model("wan2.7-videoedit").prompt("a fox").media("video", VIDEO).duration(11),
            "parameters.duration"),
        bad("negative seed", model("wan2.6-t2v").prompt("x").seed(-1L), "parameters.seed"),
        bad(
            "seed too large",
            model("wan2.6-t2v").prompt("x").seed(2_147_483_648L),
            "parameters.seed"),
        bad(
            "bad shot type",
            model("wan2.6-t2v").prompt("x").shotType("triple"),
            "parameters.shot_type"),
        bad(
            "ftp URL",
            model("wan2.2-i2v-flash").imgUrl("ftp://example.com/a.png"),
            "input.img_url"),
        bad(
            "oss URL",
            model("wan2.2-s2v").imageUrl(IMG).audioUrl("oss://bucket/a.mp3"),
            "input.audio_url"),
        bad(
            "file path",
            model("wanx2.1-kf2v-plus").firstFrameUrl("/tmp/a.png").lastFrameUrl(IMG),
            "input.first_frame_url"),
        bad(
            "URL without host",
            model("wan2.2-i2v-flash").imgUrl("https:///a.png"),
            "input.img_url"),
        bad(
            "data URI without data",
            model("wan2.2-i2v-flash").imgUrl("data:image/png;base64"),
            "input.img_url"),
        bad(
            "bad reference URL",
            model("wan2.6-r2v").prompt("x").referenceUrl("s3://b/k"),
            "input.reference_urls[0]"),
        bad(
            "bad media URL",
            model("wan2.7-i2v").prompt("a fox").media("first_frame", "file:///a.png"),
            "input.media[0].url"),
        bad(
            "media without URL",
            model("wan2.7-i2v").prompt("a fox").media("first_frame", " "),
            "input.media[0].url"),
        bad(
            "unknown media type",
            model("wan2.7-i2v")
                .prompt("a fox")
                .media("first_frame", IMG)
                .media("reference_image", IMG),
            "input.media[1].type"),
        bad(
            "wan2.7 i2v last only",
            model("wan2.7-i2v").prompt("a fox").media("last_frame", IMG),
            "input.media"),
        bad(
            "wan2.7 i2v audio only",
            model("wan2.7-i2v").prompt("a fox").media("driving_audio", AUDIO),
            "input.media"),
        bad(
            "wan2.7 i2v clip+audio",
            model("wan2.7-i2v")
                .prompt("a fox")
                .media("first_clip", VIDEO)
                .media("driving_audio", AUDIO),
            "input.media"),
        bad(
            "wan2.7 i2v frame+clip",
            model("wan2.7-i2v")
                .prompt("a fox")
                .media("first_frame", IMG)
                .media("first_clip", VIDEO),
            "input.media"),
        bad(
            "wan2.7 i2v two first frames",
            model("wan2.7-i2v").prompt("a fox").media("first_frame", IMG).media("first_frame", IMG),
            "input.media"),
        bad("wan2.7 r2v six references", r2vWith(6), "input.media"),
        bad(
            "videoedit without video",
            model("wan2.7-videoedit").prompt("a fox").media("reference_image", IMG),
            "input.media"),
        bad(
            "videoedit four images",
            model("wan2.7-videoedit")
                .prompt("a fox")
                .media("video", VIDEO)
                .media("reference_image", IMG)
                .media("reference_image", IMG)
                .media("reference_image", IMG)
                .media("reference_image", IMG),
            "input.media"),
        bad("happyhorse r2v ten images", horseR2vWith(10), "input.media"),
        bad(
            "animate without a video",
            model("wan2.2-animate-move").imageUrl(IMG).extra("mode", "wan-std"),
            "input.video_url"),
        bad(
            "animate without a mode",
            model("wan2.2-animate-mix").imageUrl(IMG).videoUrl(VIDEO),
            "parameters.mode"),
        bad(
            "animate with an unknown mode",
            model("wan2.2-animate-move").imageUrl(IMG).videoUrl(VIDEO).extra("mode", "wan-max"),
            "parameters.mode"),
        bad(
            "animate takes no prompt",
            model("wan2.2-animate-move")
                .prompt("dance")
                .imageUrl(IMG)
                .videoUrl(VIDEO)
                .extra("mode", "wan-std"),
            "input.prompt"),
        bad("vace needs a function", model("wanx2.1-vace-plus").prompt("x"), "input.function"),
        bad(
            "vace needs a prompt",
            model("wanx2.1-vace-plus").function("video_outpainting").videoUrl(VIDEO),
            "input.prompt"),
        bad("vace unknown function", vace("video_magic").videoUrl(VIDEO), "input.function"),
        bad(
            "vace function in another case",
            vace("VIDEO_OUTPAINTING").videoUrl(VIDEO),
            "input.function"),
        bad(
            "vace image_reference without images",
            vace("image_reference").extra("obj_or_bg", List.of()),
            "input.ref_images_url"),
        bad(
            "vace image_reference with four images",
            vace("image_reference")
                .refImageUrl(IMG)
                .refImageUrl(IMG)
                .refImageUrl(IMG)
                .refImageUrl(IMG)
                .extra("obj_or_bg", List.of("obj", "obj", "obj", "obj")),
            "input.ref_images_url"),
        bad(
            "vace image_reference without obj_or_bg",
            vace("image_reference").refImageUrl(IMG),
            "parameters.obj_or_bg"),
        bad(
            "vace image_reference with obj_or_bg of another length",
            vace("image_reference").refImageUrl(IMG).extra("obj_or_bg", List.of("obj", "bg")),
            "parameters.obj_or_bg"),
        bad(
            "vace image_reference with an unknown mark",
            vace("image_reference").refImageUrl(IMG).extra("obj_or_bg", List.of("person")),
            "parameters.obj_or_bg[0]"),
        bad(
            "vace image_reference with two backgrounds",
            vace("image_reference")
                .refImageUrl(IMG)
                .refImageUrl(IMG)
                .extra("obj_or_bg", List.of("bg", "bg")),
            "parameters.obj_or_bg"),
        bad(
            "vace image_reference takes no video",
            vace("image_reference")
                .refImageUrl(IMG)
                .videoUrl(VIDEO)
                .extra("obj_or_bg", List.of("obj")),
            "input.video_url"),
        bad(
            "vace video_repainting without a video",
            vace("video_repainting").extra("control_condition", "depth"),
            "input.video_url"),
        bad(
            "vace video_repainting without a control condition",
            vace("video_repainting").videoUrl(VIDEO),
            "parameters.control_condition"),
        bad(
            "vace video_edit with two references",
            vace("video_edit").videoUrl(VIDEO).refImageUrl(IMG).refImageUrl(IMG),
            "input.ref_images_url"),
        bad("vace video_extension from nothing", vace("video_extension"), "input.first_clip_url"),
        bad(
            "vace video_outpainting takes no mask",
            vace("video_outpainting").videoUrl(VIDEO).maskImageUrl(IMG),
            "input.mask_image_url"),
        bad(
            "vace reference image not fetchable",
            vace("video_edit").videoUrl(VIDEO).refImageUrl("ftp://example.com/a.png"),
            "input.ref_images_url[0]"),
        bad(
            "vace NaN strength",
            vace("video_repainting")
                .videoUrl(VIDEO)
                .extra("control_condition", "depth")
                .extra("strength", Double.NaN),
            "parameters.strength"),
        bad(
            "vace infinite scale",
            vace("video_outpainting").videoUrl(VIDEO).extra("left_scale", Double.POSITIVE_INFINITY),
            "parameters.left_scale"),
        bad(
            "vace function with a NUL",
            model("wanx2.1-vace-plus").prompt("x").function("video_edit\u0000").videoUrl(VIDEO),
            "input.function"));
  }

  @ParameterizedTest(name = "{0} -> {2}")
  @MethodSource("invalidRequests")
  void refusesARequestCertainToFailNamingTheField(
      String name, GenerationRequest request, String field) {
    List<Violation> v = validator.validate(request);

    assertThat(v).extracting(Violation::field).containsExactly(field);
    assertThat(v.get(0).message()).startsWith(field + ": ");
  }

  @Test
  void namesTheKnownModelsOfTheFamilyForAnUnknownModel() {
    List<Violation> v = validator.validate(model("wan2.2-i2v-fast").imgUrl(IMG).build());

    assertThat(v.get(0).message())
        .isEqualTo(
            "model: unknown model 'wan2.2-i2v-fast'; known wan2.2 models: wan2.2-t2v-plus,"
                + " wan2.2-i2v-flash, wan2.2-i2v-plus, wan2.2-kf2v-flash, wan2.2-s2v,"
                + " wan2.2-animate-move, wan2.2-animate-mix");
  }

  @Test
  void stillChecksSeedAndUrlsOfAnUnknownModel() {
    List<Violation> v = validator.validate(model("nope").imgUrl("ftp://x/y").seed(-5L).build());

    assertThat(v)
        .extracting(Violation::field)
        .containsExactly("model", "input.img_url", "parameters.seed");
  }

  @Test
  void explainsTheOtherRejectionsForAPerson() {
    assertThat(message(model("wan2.5-t2v-preview").prompt("x").duration(7)))
        .isEqualTo("parameters.duration: wan2.5-t2v-preview supports 5 or 10 seconds, not 7");
    assertThat(message(model("wan2.6-t2v").prompt("x").duration(20)))
        .isEqualTo("parameters.duration: wan2.6-t2v supports 2 to 15 seconds, not 20");
    assertThat(message(model("wan2.2-i2v-flash").imgUrl(IMG).duration(10)))
        .isEqualTo("parameters.duration: wan2.2-i2v-flash supports 5 seconds, not 10");
    assertThat(
            message(model("wan2.7-videoedit").prompt("a fox").media("video", VIDEO).duration(11)))
        .isEqualTo(
            "parameters.duration: wan2.7-videoedit supports 2 to 10 seconds, or 0 to follow the"
                + " input video, not 11");
    assertThat(message(model("wan2.7-t2v").prompt("x").ratio("21:9")))
        .isEqualTo("parameters.ratio: wan2.7-t2v supports 16:9, 9:16, 1:1, 4:3 and 3:4, not 21:9");
    assertThat(message(model("wan2.6-t2v").prompt("x").size("832*480")))
        .isEqualTo(
            "parameters.size: wan2.6-t2v supports the 720P and 1080P sizes 1280*720, 720*1280,"
                + " 960*960, 1088*832, 832*1088, 1920*1080, 1080*1920, 1440*1440, 1632*1248 and"
                + " 1248*1632, not 832*480 (480P)");
    assertThat(message(model("wan2.6-t2v").prompt("x").imgUrl(IMG)))
        .isEqualTo(
            "input.img_url: wan2.6-t2v does not take input.img_url; it takes input.prompt,"
                + " input.negative_prompt and input.audio_url");
    assertThat(message(model("wan2.7-i2v").prompt("a fox").media("first_frame", IMG).imgUrl(IMG)))
        .isEqualTo(
            "input.img_url: wan2.7-i2v does not take input.img_url; it takes input.prompt,"
                + " input.negative_prompt and input.media (first_frame, last_frame, driving_audio"
                + " or first_clip)");
    assertThat(
            message(
                model("wan2.7-i2v")
                    .prompt("a fox")
                    .media("last_frame", IMG)
                    .media("driving_audio", AUDIO)))
        .isEqualTo(
            "input.media: wan2.7-i2v accepts the media combinations first_frame,"
                + " first_frame+driving_audio, first_frame+last_frame,"
                + " first_frame+last_frame+driving_audio, first_clip or first_clip+last_frame,"
                + " not last_frame+driving_audio");
    assertThat(message(model("wan2.7-i2v").prompt("x")))
        .isEqualTo(
            "input.media: wan2.7-i2v requires input.media with one of the combinations"
                + " first_frame, first_frame+driving_audio, first_frame+last_frame,"
                + " first_frame+last_frame+driving_audio, first_clip or first_clip+last_frame");
    assertThat(message(r2vWith(6)))
        .isEqualTo(
            "input.media: wan2.7-r2v takes 1 to 5 reference_image and reference_video items"
                + " together, not 6");
    assertThat(message(model("wan2.7-videoedit").prompt("a fox").media("reference_image", IMG)))
        .isEqualTo("input.media: wan2.7-videoedit takes exactly 1 video item, not 0");
    assertThat(
            message(model("wan2.7-r2v").prompt("x").media("reference_video", VIDEO).duration(12)))
        .isEqualTo(
            "parameters.duration: wan2.7-r2v supports at most 10 seconds with a reference_video,"
                + " not 12");
    assertThat(message(model("wan2.6-t2v").prompt("x").seed(-1L)))
        .isEqualTo("parameters.seed: must be between 0 and 2147483647, not -1");
  }

  @Test
  void neverRepeatsAUrlInAMessage() {
    String signed = "ftp://bucket.example.com/a.png?Signature=SECRET&OSSAccessKeyId=LTAI";

    List<Violation> v = validator.validate(model("wan2.2-i2v-flash").imgUrl(signed).build());

    assertThat(v)
        .singleElement()
        .satisfies(
            x ->
                assertThat(x.message())
                    .isEqualTo(
                        "input.img_url: must be an http(s) URL or a data: URI, not a ftp: URL")
                    .doesNotContain("SECRET", "bucket"));
  }

  @Test
  void refusesAModelNotOfferedInTheRegion() {
    GenerationRequest flash = model("wan2.2-i2v-flash").imgUrl(IMG).build();

    assertThat(validator.validate(flash, "cn")).isEmpty();
    assertThat(validator.validate(flash, Region.INTL))
        .containsExactly(
            new Violation(
                "model",
                "model: wan2.2-i2v-flash is not offered in intl (Singapore); it is offered in cn"
                    + " (China (Beijing))"));
  }

  @Test
  void pointsToTheRegionalIdOfTheSameModel() {
    GenerationRequest turbo = model("wanx2.1-t2v-turbo").prompt("x").build();
    GenerationRequest us = model("wan2.6-t2v-us").prompt("x").build();

    assertThat(validator.validate(turbo, "singapore"))
        .singleElement()
        .extracting(Violation::message)
        .asString()
        .endsWith("; use wan2.1-t2v-turbo in intl");
    assertThat(validator.validate(us, "cn"))
        .singleElement()
        .extracting(Violation::message)
        .asString()
        .endsWith("; use wan2.6-t2v in cn");
    assertThat(validator.validate(model("wan2.6-t2v").prompt("x").build(), "eu")).isEmpty();
  }

  @Test
  void refusesEffectTemplatesOutsideBeijing() {
    GenerationRequest templated = model("wan2.6-i2v").imgUrl(IMG).template("squish").build();

    assertThat(validator.validate(templated, Region.CN)).isEmpty();
    assertThat(validator.validate(templated, Region.US))
        .extracting(Violation::field)
        .containsExactly("input.template");
  }

  @Test
  void refusesAnUnknownRegionAsAConfigurationError() {
    GenerationRequest r = model("wan2.6-t2v").prompt("x").build();

    assertThatThrownBy(() -> validator.validate(r, "mars"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown region 'mars'; known regions: cn, intl, us, eu");
  }

  @Test
  void describeJoinsMessagesForAStatusReason() {
    List<Violation> v =
        validator.validate(model("wan2.2-i2v-flash").resolution("1080P").duration(10).build());

    assertThat(RequestValidator.describe(v))
        .isEqualTo(
            "input.img_url: wan2.2-i2v-flash requires input.img_url; parameters.resolution:"
                + " wan2.2-i2v-flash supports 480P and 720P, not 1080P; parameters.duration:"
                + " wan2.2-i2v-flash supports 5 seconds, not 10");
  }

  private String message(GenerationRequestBuilder b) {
    List<Violation> v = validator.validate(b.build());
    assertThat(v).hasSize(1);
    return v.get(0).message();
  }

  private static GenerationRequestBuilder r2vWith(int references) {
    GenerationRequestBuilder b = model("wan2.7-r2v").prompt("x");
    for (int i = 0; i < references; i++) {
      b.media(i % 2 == 0 ? "reference_image" : "reference_video", i % 2 == 0 ? IMG : VIDEO);
    }
    return b;
  }

  private static GenerationRequestBuilder horseR2vWith(int images) {
    GenerationRequestBuilder b = model("happyhorse-1.0-r2v").prompt("x");
    for (int i = 0; i < images; i++) {
      b.media("reference_image", IMG);
    }
    return b;
  }

  private static Arguments req(String name, GenerationRequestBuilder b) {
    return Arguments.of(name, b.build());
  }

  private static Arguments bad(String name, GenerationRequestBuilder b, String field) {
    return Arguments.of(name, b.build(), field);
  }
}
