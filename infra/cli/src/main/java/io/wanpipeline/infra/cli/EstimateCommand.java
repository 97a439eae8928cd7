package io.wanpipeline.infra.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wanpipeline.billing.estimate.CostEstimator;
import io.wanpipeline.billing.estimate.Estimate;
import io.wanpipeline.billing.estimate.EstimateRequest;
import io.wanpipeline.billing.price.AccountPricing;
import io.wanpipeline.billing.price.ListPriceLookup;
import io.wanpipeline.billing.price.PriceFile;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.wan.catalogue.ModelCatalogue;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code wan-pipeline estimate --file requests.json}: prices video requests before submission with
 * the billing service's estimator and prints a table and the total per currency.
 */
@Command(
    name = "estimate",
    description =
        "Estimate the cost of video requests before submitting them: one request object, an array,"
            + " or one object per line (video-requests event JSON; only model, provider_account and"
            + " parameters.resolution/size/duration/audio count). Prints a table and the total per"
            + " currency; a request that cannot be priced is shown UNPRICED, never as zero.")
public final class EstimateCommand implements Callable<Integer> {

  @Option(names = "--file", required = true, description = "JSON file of requests.")
  Path file;

  @Option(
      names = "--price-file",
      description = "Price file (CSV v1) to use instead of the bundled prices.")
  Path priceFile;

  @Option(
      names = "--provider-account",
      description =
          "Provider account to price requests that name none (default: the list price, '*').")
  String providerAccount;

  @Option(
      names = "--config",
      description =
          "Properties file with provider.accounts and provider.<name>.price-markup /"
              + " price-currency, for gateway accounts.")
  Path config;

  @Option(names = "--at", description = "Price in force at this instant (ISO-8601; default: now).")
  Instant at;

  private final PrintStream out;
  private final PrintStream err;
  private final Clock clock;

  /** A command printing to the standard streams, pricing at the current time by default. */
  public EstimateCommand() {
    this(System.out, System.err, Clock.systemUTC());
  }

  EstimateCommand(PrintStream out, PrintStream err, Clock clock) {
    this.out = out;
    this.err = err;
    this.clock = clock;
  }

  @Override
  public Integer call() {
    List<EstimateRequest> requests;
    CostEstimator estimator;
    try {
      requests = read(file);
      AccountPricing pricing =
          config == null
              ? AccountPricing.none()
              : AccountPricing.from(Settings.load(config, System.getenv()));
      estimator =
          new CostEstimator(
              new ListPriceLookup(
                  priceFile == null ? PriceFile.bundled() : PriceFile.read(priceFile)),
              pricing,
              ModelCatalogue.standard());
    } catch (IOException | RuntimeException e) {
      err.println("estimate: " + e.getMessage());
      return 2;
    }
    List<Estimate> estimates =
        estimator.estimate(requests, providerAccount, at == null ? clock.instant() : at);
    print(estimates);
    return 0;
  }

  static List<EstimateRequest> read(Path file) throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    List<EstimateRequest> requests = new ArrayList<>();
    try (MappingIterator<JsonNode> it =
        mapper.readerFor(JsonNode.class).readValues(file.toFile())) {
      int i = 0;
      while (it.hasNext()) {
        JsonNode node = it.next();
        List<JsonNode> items = new ArrayList<>();
        if (node.isArray()) {
          node.forEach(items::add);
        } else {
          items.add(node);
        }
        for (JsonNode item : items) {
          try {
            requests.add(EstimateRequest.fromJson(item));
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("request " + i + ": " + e.getMessage(), e);
          }
          i++;
        }
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException(file + ": not JSON (" + e.getOriginalMessage() + ")", e);
    }
    if (requests.isEmpty()) {
      throw new IllegalArgumentException(file + ": no requests");
    }
    return requests;
  }

  private void print(List<Estimate> estimates) {
    String format = "%-24s %-26s %-10s %-6s %-5s %8s %12s %14s %-8s%n";
    out.printf(
        Locale.ROOT,
        format,
        "REQUEST",
        "MODEL",
        "ACCOUNT",
        "TIER",
        "AUDIO",
        "SECONDS",
        "UNIT/S",
        "AMOUNT",
        "CURRENCY");
    Map<String, Long> totals = new TreeMap<>();
    Map<String, Boolean> upperBound = new TreeMap<>();
    int unpriced = 0;
    for (Estimate e : estimates) {
      String id = e.requestId() == null ? "-" : e.requestId();
      if (e instanceof Estimate.Priced p) {
        out.printf(
            Locale.ROOT,
            format,
            id,
            p.model(),
            p.providerAccount() == null ? "*" : p.providerAccount(),
            p.tier(),
            p.audio() ? "yes" : "no",
            (p.exact() ? "" : "max ") + p.seconds(),
            decimal(p.unitMicros()),
            decimal(p.amountMicros()),
            p.currency());
        totals.merge(p.currency(), p.amountMicros(), Math::addExact);
        upperBound.merge(p.currency(), !p.exact(), Boolean::logicalOr);
      } else if (e instanceof Estimate.Unpriced u) {
        out.printf(
            Locale.ROOT,
            "%-24s %-26s UNPRICED: %s%n",
            id,
            u.model() == null ? "-" : u.model(),
            u.reason());
        unpriced++;
      }
    }
    out.println();
    totals.forEach(
        (currency, micros) ->
            out.printf(
                Locale.ROOT,
                "Total %s %s%s%n",
                currency,
                decimal(micros),
                upperBound.get(currency)
                    ? " (at most: some durations are the model's maximum)"
                    : ""));
    if (unpriced > 0) {
      out.printf(Locale.ROOT, "Unpriced requests: %d (not included in the totals)%n", unpriced);
    }
  }

  private static String decimal(long micros) {
    return BigDecimal.valueOf(micros, 6).toPlainString();
  }
}
