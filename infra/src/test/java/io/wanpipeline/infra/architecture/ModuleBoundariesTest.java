package io.wanpipeline.infra.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Dependencies point one way: services depend on {@code wan} and {@code schemas}, never on each
 * other or on {@code infra}; the libraries depend on no service.
 */
class ModuleBoundariesTest {
  private static final List<String> SERVICES =
      List.of("submitter", "poller", "archiver", "billing");
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
    return List.of("io.wanpipeline.wan..", "io.wanpipeline.schemas..", "io.wanpipeline.events..");
  }
}
