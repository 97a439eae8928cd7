package io.wanpipeline.wan;

import java.time.Instant;

/**
 * Filters of the provider's list query ({@code GET /api/v1/tasks}).
 *
 * @param start earliest creation time, inclusive
 * @param end latest creation time, inclusive
 * @param model model name filter, or null
 * @param status status filter, or null
 * @param pageNo 1-based page number
 * @param pageSize tasks per page (provider default 10)
 */
public record TaskListQuery(
    Instant start, Instant end, String model, ProviderStatus status, int pageNo, int pageSize) {}
