package io.wanpipeline.infra.deploy;

import io.wanpipeline.runtime.config.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The configuration keys each service reads, as docs/configuration.md documents them: the key
 * tables of section 2 (common keys; a table's "Read by" column says which services, a table without
 * one is read by all four) and of sections 3 to 6 (one per service). A key with a placeholder
 * ({@code provider.<name>.base-url}, {@code kafka.<any client setting>}) matches any name there. A
 * deployment file's {@code WAN_PIPELINE_*} variable is a real key of a service if one of that
 * service's keys has it as its environment name ({@link Settings#envName}), or, for a secret, its
 * {@code _FILE} form.
 */
final class ConfigurationReference {
  static final List<String> SERVICES =
      List.of("submitter", "poller", "archiver", "billing", "status");
  private static final Pattern SECTION = Pattern.compile("^## (\\d+)\\. (.*)$");
  private static final Pattern KEY_CELL = Pattern.compile("^`([a-z0-9.<>_ -]+)`$");
  private static final Pattern PLACEHOLDER = Pattern.compile("<[^>]+>");

  private record Key(String name, boolean secret, Pattern env) {}

  private final Map<String, List<Key>> keysByService = new HashMap<>();

  private ConfigurationReference() {
    SERVICES.forEach(s -> keysByService.put(s, new ArrayList<>()));
  }

  static ConfigurationReference read(Path configurationMd) throws IOException {
    ConfigurationReference ref = new ConfigurationReference();
    List<String> lines = Files.readAllLines(configurationMd);
    int section = 0;
    String sectionService = null;
    boolean keyTable = false;
    int readByColumn = -1;
    int typeColumn = -1;
    List<String> previousReaders = List.of();
    for (String line : lines) {
      Matcher heading = SECTION.matcher(line);
      if (heading.matches()) {
        section = Integer.parseInt(heading.group(1));
        String title = heading.group(2).trim();
        sectionService = SERVICES.contains(title) ? title : null;
        continue;
      }
      if (!line.startsWith("|")) {
        keyTable = false;
        readByColumn = -1;
        typeColumn = -1;
        continue;
      }
      List<String> cells = cells(line);
      if (cells.get(0).equals("Key")) {
        keyTable = true;
        readByColumn = cells.indexOf("Read by");
        typeColumn = cells.indexOf("Type");
        continue;
      }
      Matcher key = KEY_CELL.matcher(cells.get(0));
      // Section 2 holds the common keys; a section titled after a service, that service's.
      if (!keyTable || !key.matches() || section < 2) {
        continue;
      }
      boolean secret = typeColumn >= 0 && cells.get(typeColumn).contains("**secret**");
      List<String> readers;
      if (section == 2 && readByColumn >= 0) {
        String cell = cells.get(readByColumn);
        readers =
            cell.startsWith("as above")
                ? previousReaders
                : SERVICES.stream().filter(cell::contains).toList();
        previousReaders = readers;
      } else if (section == 2) {
        readers = SERVICES;
      } else if (sectionService != null) {
        readers = List.of(sectionService);
      } else {
        continue;
      }
      Key k = new Key(key.group(1), secret, envPattern(key.group(1)));
      readers.forEach(s -> ref.keysByService.get(s).add(k));
    }
    return ref;
  }

  /** The documented keys of {@code service}, for the messages. */
  Set<String> keysOf(String service) {
    return Set.copyOf(keysByService.get(service).stream().map(Key::name).toList());
  }

  /** True if {@code variable} sets a key {@code service} reads. */
  boolean isKeyOf(String service, String variable) {
    for (Key k : keysByService.get(service)) {
      if (k.env().matcher(variable).matches()) {
        return true;
      }
      if (k.secret()
          && variable.endsWith("_FILE")
          && k.env().matcher(variable.substring(0, variable.length() - 5)).matches()) {
        return true;
      }
    }
    return false;
  }

  private static Pattern envPattern(String key) {
    StringBuilder regex = new StringBuilder(Pattern.quote(Settings.ENV_PREFIX));
    Matcher m = PLACEHOLDER.matcher(key);
    int at = 0;
    while (m.find()) {
      regex.append(Pattern.quote(bare(key.substring(at, m.start()))));
      regex.append("[A-Z0-9_]+");
      at = m.end();
    }
    regex.append(Pattern.quote(bare(key.substring(at))));
    return Pattern.compile(regex.toString());
  }

  /** The environment form of a piece of a key, without the prefix: {@code .b-c} is {@code _B_C}. */
  private static String bare(String piece) {
    return piece.isEmpty() ? "" : Settings.envName(piece).substring(Settings.ENV_PREFIX.length());
  }

  private static List<String> cells(String row) {
    String inner = row.substring(1, row.lastIndexOf('|'));
    List<String> out = new ArrayList<>();
    for (String c : inner.split("\\|", -1)) {
      out.add(c.trim());
    }
    return out;
  }
}
