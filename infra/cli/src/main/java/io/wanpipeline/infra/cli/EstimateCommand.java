package io.wanpipeline.infra.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wanpipeline.billing.estimate.CostEstimator;
import io.wanpipeline.billing.estimate.Estimate;
import io.wanpipeline.billing.estimate.EstimateRequest;
import io.wanpipeline.billing.price.AccountPricing;
import io.wanpipeline.billing.price.ListPriceLookup;
import io.wanpipeline.billing.price.PriceFile;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.schemas.json.JsonRecords;
import io.wanpipeline.submitter.RequestChecks;
import io.wanpipeline.wan.account.ProviderAccount;
import io.wanpipeline.wan.account.ProviderAccounts;
import io.wanpipeline.wan.catalogue.ModelCatalogue;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
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
            + " or one object per line (video-requests event JSON; request_id and account_id may be"
            + " left out). Each request is first checked as the submitter checks it: one it would"
            + " reject is shown INVALID with the field and the reason, and the exit status is 1."
            + " Prints a table and the total per currency; a request that cannot be priced is"
            + " shown UNPRICED, never as zero.")
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
    List<JsonNode> items;
    CostEstimator estimator;
    ProviderAccounts accounts;
    try {
      items = read(file);
      Settings settings =
          config == null ? Settings.of(Map.of()) : Settings.load(config, System.getenv());
      AccountPricing pricing =
          config == null ? AccountPricing.none() : AccountPricing.from(settings);
      accounts = OfflineAccounts.of(settings);
      if (providerAccount != null && accounts.resolve(providerAccount).isEmpty()) {
        throw new IllegalArgumentException(
            "--provider-account "
                + providerAccount
                + ": unknown provider account; configured: "
                + names(accounts)
                + (config == null ? " (name it in provider.accounts of a --config file)" : ""));
      }
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
    RequestChecks checks = new RequestChecks(ModelCatalogue.standard());
    List<Row> rows = new ArrayList<>();
    List<EstimateRequest> valid = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      Row row = check(i, items.get(i), accounts, checks);
      rows.add(row);
      if (row.invalid() == null) {
        valid.add(row.request());
      }
    }
    List<Estimate> estimates =
        estimator.estimate(valid, providerAccount, at == null ? clock.instant() : at);
    print(rows, estimates);
    return rows.stream().anyMatch(r -> r.invalid() != null) ? 1 : 0;
  }

  /**
   * One request of the file: what the submitter would refuse it for (as {@code field: reason}), or
   * null and the request to price.
   */
  private record Row(String id, String model, EstimateRequest request, String invalid) {}

  /** The request at {@code index}, checked as the submitter checks it before it queues it. */
  private Row check(int index, JsonNode item, ProviderAccounts accounts, RequestChecks checks) {
    String id = item.path("request_id").asText("request " + index);
    String model = item.path("model").asText("-");
    EstimateRequest priced;
    VideoRequest request;
    try {
      priced = EstimateRequest.fromJson(item);
      ObjectNode copy = ((ObjectNode) item).deepCopy();
      // An estimate needs no ids: placeholders that pass the id rules stand in for them.
      if (!copy.has("request_id")) {
        copy.put("request_id", "estimate-" + index);
      }
      if (!copy.has("account_id")) {
        copy.put("account_id", "estimate");
      }
      request = JsonRecords.read(copy, VideoRequest.getClassSchema());
    } catch (IllegalArgumentException e) {
      return new Row(id, model, null, e.getMessage());
    }
    String accountName =
        request.getProviderAccount() != null ? request.getProviderAccount() : providerAccount;
    Optional<ProviderAccount> account = accounts.resolve(accountName);
    if (account.isEmpty()) {
      return new Row(
          id,
          model,
          null,
          "provider_account: unknown provider account '"
              + accountName
              + "'; configured: "
              + names(accounts));
    }
    return checks
        .violations(request, account.get())
        .map(error -> new Row(id, model, null, error.getMessage()))
        .orElse(new Row(id, model, priced, null));
  }

  private static List<String> names(ProviderAccounts accounts) {
    return accounts.all().stream().map(ProviderAccount::name).toList();
  }

  static List<JsonNode> read(Path file) throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    List<JsonNode> items = new ArrayList<>();
    try (MappingIterator<JsonNode> it =
        mapper.readerFor(JsonNode.class).readValues(file.toFile())) {
      while (it.hasNext()) {
        JsonNode node = it.next();
        if (node.isArray()) {
          node.forEach(items::add);
        } else {
          items.add(node);
        }
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException(file + ": not JSON (" + e.getOriginalMessage() + ")", e);
    }
    if (items.isEmpty()) {
      throw new IllegalArgumentException(file + ": no requests");
    }
    for (int i = 0; i < items.size(); i++) {
      if (!items.get(i).isObject()) {
        throw new IllegalArgumentException("request " + i + ": a request must be a JSON object");
      }
    }
    return items;
  }

  private void print(List<Row> rows, List<Estimate> estimates) {
    String format = "%-24s %-26s %-10s %-6s %-5s %8s %16s %18s%n";
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
        "AMOUNT");
    Map<String, Long> totals = new TreeMap<>();
    Map<String, Boolean> upperBound = new TreeMap<>();
    int unpriced = 0;
    int invalid = 0;
    int next = 0;
    for (Row row : rows) {
      if (row.invalid() != null) {
        out.printf(Locale.ROOT, "%-24s %-26s INVALID: %s%n", row.id(), row.model(), row.invalid());
        invalid++;
        continue;
      }
      Estimate e = estimates.get(next++);
      String id = e.requestId() == null ? row.id() : e.requestId();
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
            Money.of(p.unitMicros(), p.currency()),
            Money.of(p.amountMicros(), p.currency()));
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
                "Total %s%s%n",
                Money.of(micros, currency),
                upperBound.get(currency)
                    ? " (at most: some durations are the model's maximum)"
                    : ""));
    if (unpriced > 0) {
      out.printf(Locale.ROOT, "Unpriced requests: %d (not included in the totals)%n", unpriced);
    }
    if (invalid > 0) {
      out.printf(
          Locale.ROOT,
          "Invalid requests: %d (not included in the totals: the submitter would reject them)%n",
          invalid);
    }
  }
}
