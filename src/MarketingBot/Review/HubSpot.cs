using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using MarketingBot.Hosting;
using Microsoft.Extensions.Options;

namespace MarketingBot.Review;

/// <summary>HubSpot, optional: with a private app's token (read scopes on contacts), the monthly review fills in the month's figures.</summary>
public sealed class HubSpotSettings
{
    public const string Section = "HubSpot";

    /// <summary>A private app's access token; without one the review lists the figures to fill in by hand.</summary>
    public string? AccessToken { get; set; }

    public string BaseUrl { get; set; } = "https://api.hubapi.com";

    /// <summary>The contact property holding the campaign a contact first came from (HubSpot's "original source drill-down 2").</summary>
    public string CampaignProperty { get; set; } = "hs_analytics_source_data_2";

    public bool IsConfigured => !string.IsNullOrWhiteSpace(AccessToken);
}

/// <summary>The month's figures the handbook reviews, from HubSpot: new contacts, new MQLs and SQLs, and contacts per live campaign.</summary>
public sealed record HubSpotMonth(long NewContacts, long NewMqls, long NewSqls, IReadOnlyList<(string Campaign, long Contacts)> ByCampaign);

/// <summary>
/// Counts contacts with HubSpot's CRM search API (<c>POST /crm/v3/objects/contacts/search</c>): each figure is the search's
/// <c>total</c> with <c>limit: 1</c>, so a month of any size costs one request per figure and no paging. A search can
/// reach at most 10,000 results; a count that reaches it is split into two half-ranges and added up. 429 (HubSpot's
/// per-second limit) and 5xx are retried, honouring <c>Retry-After</c> (<see cref="HttpRetries"/>).
/// </summary>
public sealed class HubSpotClient(HttpClient http, IOptions<HubSpotSettings> settings)
{
    /// <summary>What one search can reach: HubSpot refuses to page past it.</summary>
    public const long SearchCap = 10_000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static void Register(IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<HubSpotSettings>(configuration.GetSection(HubSpotSettings.Section));
        services.AddHttpClient<HubSpotClient>().RetryingAsTheServiceAsks("hubspot");
    }

    public async Task<HubSpotMonth> ReadMonthAsync(DateTimeOffset from, DateTimeOffset to, IReadOnlyList<string> campaigns, CancellationToken cancellationToken)
    {
        var byCampaign = new List<(string, long)>();
        foreach (var campaign in campaigns)
            byCampaign.Add((campaign, await CountAsync("createdate", from, to, new Filter(settings.Value.CampaignProperty, "EQ", campaign), cancellationToken)));
        return new HubSpotMonth(
            await CountAsync("createdate", from, to, null, cancellationToken),
            await CountAsync("hs_lifecyclestage_marketingqualifiedlead_date", from, to, null, cancellationToken),
            await CountAsync("hs_lifecyclestage_salesqualifiedlead_date", from, to, null, cancellationToken),
            byCampaign);
    }

    /// <summary>Contacts whose <paramref name="dateProperty"/> falls in [from, to), and which match <paramref name="also"/>.</summary>
    private async Task<long> CountAsync(string dateProperty, DateTimeOffset from, DateTimeOffset to, Filter? also, CancellationToken cancellationToken)
    {
        // BETWEEN is inclusive at both ends; the range ends a millisecond before the next one starts.
        var range = new Filter(dateProperty, "BETWEEN", from.ToUnixTimeMilliseconds().ToString(), (to.ToUnixTimeMilliseconds() - 1).ToString());
        var total = await TotalAsync(also is null ? [range] : [range, also], cancellationToken);
        if (total < SearchCap || to - from < TimeSpan.FromMinutes(2)) return total;
        var middle = from + (to - from) / 2;
        return await CountAsync(dateProperty, from, middle, also, cancellationToken) + await CountAsync(dateProperty, middle, to, also, cancellationToken);
    }

    private async Task<long> TotalAsync(IReadOnlyList<Filter> filters, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{settings.Value.BaseUrl.TrimEnd('/')}/crm/v3/objects/contacts/search")
        {
            Content = JsonContent.Create(new Search([new FilterGroup(filters)], ["hs_object_id"], Limit: 1), options: Json),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.Value.AccessToken);
        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"HubSpot answered {(int)response.StatusCode} to a contact search: {await response.Content.ReadAsStringAsync(cancellationToken)}", null, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<SearchAnswer>(Json, cancellationToken))?.Total
            ?? throw new HttpRequestException("HubSpot answered a contact search without a total.");
    }

    private sealed record Search(IReadOnlyList<FilterGroup> FilterGroups, IReadOnlyList<string> Properties, int Limit);

    private sealed record FilterGroup(IReadOnlyList<Filter> Filters);

    private sealed record Filter(string PropertyName, string Operator, string Value, string? HighValue = null);

    private sealed record SearchAnswer(long? Total);
}
