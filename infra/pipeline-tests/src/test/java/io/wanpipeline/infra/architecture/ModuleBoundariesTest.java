package io.wanpipeline.infra.architecture;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Dependencies point one way: services depend on {@code wan}, {@code runtime} and {@code schemas},
 * never on each other or on {@code infra}'s modules; the libraries depend on no service; {@code
 * schemas}, the published contract, depends on nothing of ours; the simulator, the oracle, depends
 * on nothing of ours and is never a main-scope dependency of a service or library. The class rules
 * read the compiled classes; the scope rule reads the modules' POMs.
 */
class ModuleBoundariesTest {
  private static final List<String> SERVICES =
      List.of("submitter", "poller", "archiver", "billing", "status");
  private static JavaClasses classes;

  @BeforeAll
  static void importProductionClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.wanpipeline");
  }

  static List<String> services() {
    return SERVICES;
  }

  @ParameterizedTest
  @MethodSource("services")
  void serviceDependsOnNoOtherServiceNorOnInfra(String service) {
    String[] forbidden =
        SERVICES.stream()
            .filter(s -> !s.equals(service))
            .map(s -> "io.wanpipeline." + s + "..")
            .toArray(String[]::new);
    noClasses()
        .that()
        .resideInAPackage("io.wanpipeline." + service + "..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(forbidden)
        .orShould()
        .dependOnClassesThat()
        .resideInAPackage("io.wanpipeline.infra..")
        .check(classes);
  }

  @ParameterizedTest
  @MethodSource("libraries")
  void librariesDependOnNoService(String library) {
    noClasses()
        .that()
        .resideInAPackage(library)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.wanpipeline.submitter..",
            "io.wanpipeline.poller..",
            "io.wanpipeline.archiver..",
            "io.wanpipeline.billing..",
            "io.wanpipeline.infra..")
        .check(classes);
  }

  static List<String> libraries() {
    return List.of(
        "io.wanpipeline.wan..",
        "io.wanpipeline.runtime..",
        "io.wanpipeline.schemas..",
        "io.wanpipeline.events..");
  }

  @ParameterizedTest
  @MethodSource("contract")
  void theContractDependsOnNothingOfOurs(String contract) {
    noClasses()
        .that()
        .resideInAPackage(contract)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.wanpipeline.wan..",
            "io.wanpipeline.runtime..",
            "io.wanpipeline.submitter..",
            "io.wanpipeline.poller..",
            "io.wanpipeline.archiver..",
            "io.wanpipeline.billing..",
            "io.wanpipeline.infra..")
        .because("a downstream team that reads our events gets only the contract")
        .check(classes);
  }

  static List<String> contract() {
    return List.of("io.wanpipeline.schemas..", "io.wanpipeline.events..");
  }

  @Test
  void theConsumerExamplesUseOnlyTheContract() {
    noClasses()
        .that()
        .resideInAPackage("io.wanpipeline.examples..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.wanpipeline.wan..",
            "io.wanpipeline.runtime..",
            "io.wanpipeline.submitter..",
            "io.wanpipeline.poller..",
            "io.wanpipeline.archiver..",
            "io.wanpipeline.billing..",
            "io.wanpipeline.status..",
            "io.wanpipeline.infra..")
        .because("the examples show what a downstream team needs: the schemas jar")
        .check(classes);
  }

  @Test
  void theWanClientsDependOnNoRuntimeNorContract() {
    noClasses()
        .that()
        .resideInAPackage("io.wanpipeline.wan..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.wanpipeline.runtime..", "io.wanpipeline.infra..")
        .check(classes);
  }

  @Test
  void theSimulatorDependsOnNothingOfOurs() {
    noClasses()
        .that()
        .resideInAPackage("io.wanpipeline.infra.simulator..")
        .should()
        .dependOnClassesThat(
            resideInAPackage("io.wanpipeline..")
                .and(resideOutsideOfPackage("io.wanpipeline.infra.simulator..")))
        .because("an oracle never shares the code it judges")
        .check(classes);
  }

  @ParameterizedTest
  @MethodSource("shippedModules")
  void noShippedModuleHasInfraInItsMainScope(String module) throws Exception {
    assertThat(mainScopeDependencies(module))
        .as("main-scope dependencies of %s", module)
        .doesNotContainAnyElementsOf(INFRA_ARTIFACTS);
  }

  static List<String> shippedModules() {
    return List.of("schemas", "runtime", "wan", "submitter", "poller", "archiver", "billing");
  }

  /** The artifacts of infra's modules, none of which a service or library may ship. */
  private static final List<String> INFRA_ARTIFACTS =
      List.of("wan-simulator", "local-schema-registry", "local-servers", "testkit", "cli", "bench");

  /** The io.wanpipeline artifacts {@code module}'s POM depends on outside the test scope. */
  private static List<String> mainScopeDependencies(String module) throws Exception {
    Path pom = Path.of("..", "..", module, "pom.xml");
    assertThat(pom).as("the POM of %s", module).exists();
    Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
    NodeList deps = doc.getElementsByTagName("dependency");
    List<String> ours = new ArrayList<>();
    for (int i = 0; i < deps.getLength(); i++) {
      Element dep = (Element) deps.item(i);
      if (!"io.wanpipeline".equals(text(dep, "groupId"))) {
        continue;
      }
      if (!"test".equals(text(dep, "scope"))) {
        ours.add(text(dep, "artifactId"));
      }
    }
    return ours;
  }

  private static String text(Element parent, String tag) {
    NodeList nodes = parent.getElementsByTagName(tag);
    return nodes.getLength() == 0 ? null : nodes.item(0).getTextContent().trim();
  }
}
