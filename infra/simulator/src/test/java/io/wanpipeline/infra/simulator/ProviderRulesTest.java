package io.wanpipeline.infra.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** The simulator's own decisions, each backed by a passage of docs/protocol.md or a seed. */
class ProviderRulesTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final ProviderRules rules = new ProviderRules(ProviderModels.standard());

  private static CreateBody body(String json) throws Exception {
    return CreateRequestReader.read(MAPPER.readTree(json.replace('\'', '"')));
  }

  @Test
  void wan22T2vPlusRefusesA720pTierAndReadsATierWhenNoSizeIsGiven() throws Exception {
    CreateBody p720 =
        body(
            "{'model':'wan2.2-t2v-plus','input':{'prompt':'a fox'},'parameters':{'resolution':'720P'}}");
    CreateBody p480 =
        body(
            "{'model':'wan2.2-t2v-plus','input':{'prompt':'a fox'},'parameters':{'resolution':'480P'}}");

    assertThat(rules.violations(p720))
        .containsExactly("parameters.resolution: wan2.2-t2v-plus supports 480P, 1080P, not 720P");
    assertThat(rules.violations(p480)).isEmpty();
    assertThat(rules.tierOf(p480)).isEqualTo("480P");
    assertThat(rules.sizeOf(p480)).isEqualTo("832*480");
  }

  @Test
  void aSizeWinsOverAResolutionOnASizeModelAsTheSdkSendsBoth() throws Exception {
    CreateBody sdk =
        body(
            "{'model':'wan2.5-t2v-preview','input':{'prompt':'a fox'},"
                + "'parameters':{'size':'832*480','resolution':'720P','duration':5}}");

    assertThat(rules.violations(sdk)).isEmpty();
    assertThat(rules.tierOf(sdk)).isEqualTo("480P");
  }

  @Test
  void aResolutionTierModelIgnoresASizeAndMakesItsDefault() throws Exception {
    CreateBody flash =
        body(
            "{'model':'wan2.2-i2v-flash','input':{'img_url':'https://example.com/a.png'},"
                + "'parameters':{'size':'1920*1080'}}");

    assertThat(rules.violations(flash)).isEmpty();
    assertThat(rules.tierOf(flash)).isEqualTo("720P");
  }

  @Test
  void firstAndLastFrameModelsNeedBothFrames() throws Exception {
    CreateBody firstOnly =
        body(
            "{'model':'wan2.2-kf2v-flash','input':{'first_frame_url':'https://example.com/a.png'}}");

    assertThat(rules.violations(firstOnly)).containsExactly("Field required: input.last_frame_url");
    assertThat(rules.createPathOf("wan2.2-kf2v-flash"))
        .contains("/api/v1/services/aigc/image2video/video-synthesis");
  }

  @Test
  void onlyTheDocumentedTemplatesOnModelsThatTakeThem() throws Exception {
    String flash =
        "{'model':'wan2.2-i2v-flash','input':{'img_url':'https://example.com/a.png',"
            + "'template':'%s'}}";

    assertThat(rules.violations(body(flash.formatted("flying")))).isEmpty();
    assertThat(rules.violations(body(flash.formatted("made-up"))))
        .containsExactly("input.template: unknown video-effect template 'made-up'");
    assertThat(
            rules.violations(
                body(
                    "{'model':'wan2.1-i2v-turbo','input':{'img_url':'https://example.com/a.png',"
                        + "'template':'flying'}}")))
        .containsExactly("input.template: wan2.1-i2v-turbo takes no video-effect template");
  }

  @Test
  void aFixedDurationIsTheOnlyOneTakenAndAFollowingOneIsIgnored() throws Exception {
    assertThat(
            rules.violations(
                body(
                    "{'model':'wan2.2-i2v-flash','input':{'img_url':'https://example.com/a.png'},"
                        + "'parameters':{'duration':10}}")))
        .containsExactly(
            "parameters.duration: wan2.2-i2v-flash supports a fixed duration of 5 seconds, not 10");
    CreateBody s2v =
        body(
            "{'model':'wan2.2-s2v','input':{'image_url':'https://example.com/p.png',"
                + "'audio_url':'https://example.com/a.mp3'},'parameters':{'duration':5}}");
    assertThat(rules.violations(s2v)).isEmpty();
    assertThat(rules.secondsOf(s2v)).isEqualByComparingTo(BigDecimal.ZERO);
  }

  @Test
  void wan27ModelsRequireAPromptAndTheirMedia() throws Exception {
    assertThat(
            rules.violations(
                body(
                    "{'model':'wan2.7-i2v','input':{'media':[{'type':'first_frame',"
                        + "'url':'https://example.com/f.png'}]}}")))
        .containsExactly("Field required: input.prompt");
    assertThat(rules.violations(body("{'model':'wan2.7-i2v','input':{'prompt':'a fox'}}")))
        .containsExactly("Field required: input.media");
  }
}
