package io.wanpipeline.infra.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The deployment files (README, Deploying): the Kustomize base and overlays under {@code
 * infra/kubernetes}, rendered by {@code kubectl kustomize} and read into the Kubernetes model
 * classes (fabric8) with any field they do not know refused; and the compose file, rendered and
 * checked against the compose schema by {@code docker-compose config}. Every {@code WAN_PIPELINE_*}
 * variable they set must be a key the service reads (docs/configuration.md), every secret must come
 * from a mounted file, and the Kubernetes workloads must have what running them needs: probes on
 * the management endpoints, resource requests, a non-root user, stable instance ids, state volumes
 * for the Streams services and a disruption budget. {@code .ci/run} installs kubectl (Debian's
 * kubernetes-client) and docker-compose when missing.
 */
class DeploymentFilesTest {
  private static final Path ROOT = Path.of("..", "..").toAbsolutePath().normalize();
  private static final YAMLMapper YAML = new YAMLMapper();

  /** Reads into the model classes but refuses unknown fields (they would go to a catch-all map). */
  private static final ObjectMapper STRICT =
      new ObjectMapper()
          .setAnnotationIntrospector(
              new JacksonAnnotationIntrospector() {
                @Override
                public Boolean hasAnySetter(Annotated a) {
                  return Boolean.FALSE;
                }
              })
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private static final Map<String, Class<? extends HasMetadata>> KINDS =
      Map.of(
          "ConfigMap", ConfigMap.class,
          "Secret", Secret.class,
          "Service", Service.class,
          "ServiceAccount", ServiceAccount.class,
          "Deployment", Deployment.class,
          "StatefulSet", StatefulSet.class,
          "PodDisruptionBudget", PodDisruptionBudget.class);

  private static ConfigurationReference keys;

  @BeforeAll
  static void readTheReference() throws IOException {
    keys = ConfigurationReference.read(ROOT.resolve("docs/configuration.md"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"base", "overlays/dev", "overlays/production"})
  void kubernetesManifestsAreValidAndRunnable(String dir) throws Exception {
    List<HasMetadata> objects = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    String rendered = run("kubectl", "kustomize", ROOT.resolve("infra/kubernetes").resolve(dir));
    List<JsonNode> docs = YAML.readerFor(JsonNode.class).<JsonNode>readValues(rendered).readAll();
    for (JsonNode doc : docs) {
      String kind = doc.path("kind").asText();
      String name = doc.path("metadata").path("name").asText();
      Class<? extends HasMetadata> type = KINDS.get(kind);
      if (type == null) {
        problems.add(kind + " " + name + ": a kind this test does not know");
        continue;
      }
      try {
        objects.add(STRICT.treeToValue(doc, type));
      } catch (IOException e) {
        problems.add(kind + " " + name + ": " + e.getMessage().lines().findFirst().orElse(""));
      }
    }
    assertThat(problems).as("objects the Kubernetes model refuses").isEmpty();

    Map<String, Map<String, String>> configMaps = new HashMap<>();
    objects.stream()
        .filter(ConfigMap.class::isInstance)
        .map(ConfigMap.class::cast)
        .forEach(c -> configMaps.put(c.getMetadata().getName(), c.getData()));
    for (String service : ConfigurationReference.SERVICES) {
      PodTemplateSpec pod = podTemplate(objects, service);
      boolean stateful = List.of("poller", "billing", "status").contains(service);
      checkPod(service, pod.getSpec(), configMaps, problems);
      assertThat(podDisruptionBudget(objects, pod))
          .as("%s: a PodDisruptionBudget selecting its pods", service)
          .isPresent();
      if (stateful) {
        StatefulSet set = find(objects, StatefulSet.class, service);
        assertThat(set.getSpec().getVolumeClaimTemplates())
            .as("%s: a volume per pod for its state", service)
            .isNotEmpty();
        String stateDir = env(pod.getSpec(), "WAN_PIPELINE_" + upper(service) + "_STATE_DIR");
        assertThat(mounts(pod.getSpec()))
            .as("%s: its state directory is on its volume", service)
            .anyMatch(
                m ->
                    m.getName()
                            .equals(
                                set.getSpec()
                                    .getVolumeClaimTemplates()
                                    .get(0)
                                    .getMetadata()
                                    .getName())
                        && stateDir.startsWith(m.getMountPath()));
      } else {
        find(objects, Deployment.class, service);
      }
    }
    assertThat(problems).isEmpty();
  }

  private void checkPod(
      String service,
      PodSpec pod,
      Map<String, Map<String, String>> configMaps,
      List<String> problems) {
    Container c =
        pod.getContainers().stream().filter(x -> x.getName().equals(service)).findFirst().get();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).as("%s: runAsNonRoot", service).isTrue();
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).as(service).isEqualTo("/healthz");
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).as(service).isEqualTo("/readyz");
    assertThat(c.getPorts())
        .as("%s: the management port the probes use", service)
        .anyMatch(p -> p.getContainerPort() == 9464 && p.getName().equals("management"));
    assertThat(c.getResources().getRequests()).as(service).containsKeys("cpu", "memory");
    assertThat(c.getResources().getLimits()).as(service).containsKey("memory");

    // The instance id is the pod's name, which a restarted container keeps.
    assertThat(env(pod, "WAN_PIPELINE_" + upper(service) + "_INSTANCE_ID"))
        .as("%s: instance id", service)
        .isEqualTo("$(POD_NAME)");
    assertThat(
            c.getEnv().stream()
                .filter(e -> e.getName().equals("POD_NAME"))
                .map(e -> e.getValueFrom().getFieldRef().getFieldPath()))
        .containsExactly("metadata.name");

    Map<String, String> variables = new HashMap<>();
    c.getEnvFrom()
        .forEach(from -> variables.putAll(configMaps.get(from.getConfigMapRef().getName())));
    c.getEnv().forEach(e -> variables.put(e.getName(), e.getValue()));
    List<String> secretPaths =
        mounts(pod).stream()
            .filter(m -> isSecretVolume(pod, m.getName()))
            .map(VolumeMount::getMountPath)
            .toList();
    variables.forEach(
        (name, value) -> {
          if (!name.startsWith("WAN_PIPELINE_")) {
            return;
          }
          if (!keys.isKeyOf(service, name)) {
            problems.add(service + ": " + name + " is not a key the service reads");
          }
          if (name.endsWith("_FILE")
              && secretPaths.stream().noneMatch(p -> value.startsWith(p + "/"))) {
            problems.add(service + ": " + name + "=" + value + " is not in a mounted secret");
          }
          if (name.endsWith("_API_KEY") || name.endsWith("_SECRET_ACCESS_KEY")) {
            problems.add(service + ": " + name + " carries a secret in the manifest");
          }
        });
  }

  @Test
  void composeFileIsValidAndSetsOnlyRealKeys() throws Exception {
    Path compose = ROOT.resolve("infra/compose/compose.yaml");
    // Validates against the compose schema and resolves the anchors and merges.
    JsonNode config = YAML.readTree(run("docker-compose", "-f", compose, "config"));
    List<String> problems = new ArrayList<>();
    for (String service : ConfigurationReference.SERVICES) {
      JsonNode s = config.path("services").path(service);
      assertThat(s.path("image").asText()).isEqualTo("wan-pipeline/" + service + ":0.1.0-SNAPSHOT");
      List<String> secrets = new ArrayList<>();
      s.path("secrets")
          .forEach(x -> secrets.add(x.isTextual() ? x.asText() : x.path("source").asText()));
      ((ObjectNode) s.path("environment"))
          .properties()
          .forEach(
              e -> {
                String name = e.getKey();
                if (!keys.isKeyOf(service, name)) {
                  problems.add(service + ": " + name + " is not a key the service reads");
                }
                String value = e.getValue().asText();
                if (name.endsWith("_FILE")
                    && secrets.stream().noneMatch(x -> value.equals("/run/secrets/" + x))) {
                  problems.add(service + ": " + name + "=" + value + " is not one of its secrets");
                }
              });
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void theReferenceKnowsTheKeysItIsAskedAbout() {
    // The check above cannot pass vacuously: the reference refuses what no service reads.
    assertThat(keys.isKeyOf("poller", "WAN_PIPELINE_POLLER_STATE_DIR")).isTrue();
    assertThat(keys.isKeyOf("submitter", "WAN_PIPELINE_PROVIDER_SG_API_KEY_FILE")).isTrue();
    assertThat(keys.isKeyOf("billing", "WAN_PIPELINE_KAFKA_SECURITY_PROTOCOL")).isTrue();
    assertThat(keys.isKeyOf("billing", "WAN_PIPELINE_PROVIDER_DEFAULT_API_KEY_FILE")).isFalse();
    assertThat(keys.isKeyOf("submitter", "WAN_PIPELINE_POLLER_STATE_DIR")).isFalse();
    assertThat(keys.isKeyOf("archiver", "WAN_PIPELINE_ARCHIVER_BUCKETS")).isFalse();
    assertThat(keys.isKeyOf("poller", "WAN_PIPELINE_POLLER_TIMEOUT_FILE")).isFalse();
  }

  private static PodTemplateSpec podTemplate(List<HasMetadata> objects, String service) {
    for (HasMetadata o : objects) {
      if (o instanceof Deployment d && d.getMetadata().getName().equals(service)) {
        return d.getSpec().getTemplate();
      }
      if (o instanceof StatefulSet s && s.getMetadata().getName().equals(service)) {
        return s.getSpec().getTemplate();
      }
    }
    throw new AssertionError("no Deployment or StatefulSet named " + service);
  }

  private static Optional<PodDisruptionBudget> podDisruptionBudget(
      List<HasMetadata> objects, PodTemplateSpec pod) {
    return objects.stream()
        .filter(PodDisruptionBudget.class::isInstance)
        .map(PodDisruptionBudget.class::cast)
        .filter(
            b ->
                pod.getMetadata()
                    .getLabels()
                    .entrySet()
                    .containsAll(b.getSpec().getSelector().getMatchLabels().entrySet()))
        .findFirst();
  }

  private static <T extends HasMetadata> T find(
      List<HasMetadata> objects, Class<T> type, String name) {
    return objects.stream()
        .filter(type::isInstance)
        .map(type::cast)
        .filter(o -> o.getMetadata().getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " named " + name));
  }

  private static String env(PodSpec pod, String name) {
    return pod.getContainers().stream()
        .flatMap(c -> c.getEnv().stream())
        .filter(e -> e.getName().equals(name))
        .map(EnvVar::getValue)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + name));
  }

  private static List<VolumeMount> mounts(PodSpec pod) {
    return pod.getContainers().stream().flatMap(c -> c.getVolumeMounts().stream()).toList();
  }

  private static boolean isSecretVolume(PodSpec pod, String volume) {
    return pod.getVolumes().stream()
        .filter(v -> v.getName().equals(volume))
        .map(Volume::getSecret)
        .anyMatch(s -> s != null);
  }

  private static String upper(String service) {
    return service.toUpperCase(Locale.ROOT);
  }

  private static String run(Object... command) throws IOException, InterruptedException {
    List<String> args = new ArrayList<>();
    for (Object a : command) {
      args.add(a.toString());
    }
    Path errors = Files.createTempFile("deploy-files", ".err");
    Process p;
    try {
      p = new ProcessBuilder(args).redirectError(errors.toFile()).start();
    } catch (IOException e) {
      throw new AssertionError(
          args.get(0) + " is not installed (.ci/run installs it when missing)", e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(String.join(" ", args)).isTrue();
    assertThat(p.exitValue())
        .as(String.join(" ", args) + " failed: " + Files.readString(errors))
        .isZero();
    Files.delete(errors);
    return out;
  }
}
