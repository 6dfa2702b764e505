using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Google.Apis.Auth.OAuth2;
using Google.Apis.Util;
using Microsoft.Extensions.Options;

namespace MarketingBot.Planner;

/// <summary>
/// The few Sheets v4 <c>spreadsheets.values</c> calls the Content Planner needs, at
/// <c>Sheets__BaseUrl</c>, authorised as the service account in <c>Sheets__CredentialsPath</c>.
/// </summary>
public sealed class SheetsClient(HttpClient http, IOptions<PlannerSettings> settings, SheetsCredential credential)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private string Spreadsheet => Uri.EscapeDataString(settings.Value.SpreadsheetId!);

    private string BaseUrl => settings.Value.BaseUrl.TrimEnd('/');

    /// <summary><c>values.batchGet</c>: several ranges in one read, as rows of strings; trailing empty cells are absent, as Sheets sends them.</summary>
    public async Task<IReadOnlyList<IReadOnlyList<IReadOnlyList<string>>>> BatchGetAsync(IReadOnlyList<string> ranges, CancellationToken cancellationToken)
    {
        var query = string.Join("&", ranges.Select(r => "ranges=" + Uri.EscapeDataString(r)));
        using var response = await SendAsync(HttpMethod.Get,
            $"{BaseUrl}/v4/spreadsheets/{Spreadsheet}/values:batchGet?{query}&valueRenderOption=FORMATTED_VALUE", content: null, cancellationToken);
        var answer = await ReadJsonAsync<BatchGet>(response, cancellationToken);
        return (answer?.ValueRanges ?? []).Select(range => (IReadOnlyList<IReadOnlyList<string>>)(range.Values ?? [])
            .Select(row => (IReadOnlyList<string>)row.Select(c => c.ValueKind == JsonValueKind.String ? c.GetString()! : c.ToString()).ToList())
            .ToList()).ToList();
    }

    /// <summary><c>values.batchUpdate</c>: many ranges in one write, values taken as typed (RAW).</summary>
    public async Task BatchUpdateAsync(IReadOnlyList<(string Range, IReadOnlyList<string> Row)> writes, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Post, $"{BaseUrl}/v4/spreadsheets/{Spreadsheet}/values:batchUpdate",
            new BatchUpdate("RAW", writes.Select(w => new WriteRange(w.Range, "ROWS", [w.Row])).ToList()), cancellationToken);
    }

    /// <summary>
    /// <c>values.append</c>: the rows go below the table in <paramref name="range"/>, where Sheets finds its end, so
    /// they cannot land on a row that has data. Returns the sheet row (1-based) the first one went to.
    /// </summary>
    public async Task<int> AppendAsync(string range, IReadOnlyList<IReadOnlyList<string>> rows, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Post,
            $"{BaseUrl}/v4/spreadsheets/{Spreadsheet}/values/{Uri.EscapeDataString(range)}:append?valueInputOption=RAW&insertDataOption=OVERWRITE",
            new WriteRange(range, "ROWS", rows), cancellationToken);
        var updated = (await ReadJsonAsync<Appended>(response, cancellationToken))?.Updates?.UpdatedRange;
        var digits = updated is null ? "" : new string(updated[(updated.LastIndexOf('!') + 1)..].SkipWhile(char.IsLetter).TakeWhile(char.IsDigit).ToArray());
        return int.TryParse(digits, out var row) ? row
            : throw new InvalidOperationException($"Sheets appended the rows but did not say where (updatedRange: {updated ?? "none"}).");
    }

    /// <summary>
    /// <c>spreadsheets.get</c> then, when needed, <c>spreadsheets.batchUpdate</c>: the tab exists
    /// (added when missing) and its header row is frozen, so it stays in view as people scroll.
    /// </summary>
    public async Task EnsureTabAsync(string title, CancellationToken cancellationToken)
    {
        using var answer = await SendAsync(HttpMethod.Get, $"{BaseUrl}/v4/spreadsheets/{Spreadsheet}?fields=sheets.properties", content: null, cancellationToken);
        var spreadsheet = await ReadJsonAsync<SpreadsheetProperties>(answer, cancellationToken);
        var tab = spreadsheet?.Sheets?.Select(s => s.Properties).FirstOrDefault(p => p?.Title == title);
        if (tab?.GridProperties?.FrozenRowCount >= 1) return;
        object change = tab is null
            ? new { addSheet = new { properties = new { title, gridProperties = new { frozenRowCount = 1 } } } }
            : new
            {
                updateSheetProperties = new
                {
                    properties = new { sheetId = tab.SheetId, gridProperties = new { frozenRowCount = 1 } },
                    fields = "gridProperties.frozenRowCount",
                },
            };
        using var updated = await SendAsync(HttpMethod.Post, $"{BaseUrl}/v4/spreadsheets/{Spreadsheet}:batchUpdate",
            new { requests = new[] { change } }, cancellationToken);
    }

    /// <summary>
    /// Sends one authorised call and returns its successful answer. A 401 means the access token died before its
    /// time (the key was rotated, or the clock is off): the token is renewed and the call sent once more.
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, object? content, CancellationToken cancellationToken)
    {
        var response = await http.SendAsync(await RequestAsync(method, url, content, cancellationToken), cancellationToken);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            response.Dispose();
            await credential.RenewAsync(cancellationToken);
            response = await http.SendAsync(await RequestAsync(method, url, content, cancellationToken), cancellationToken);
        }
        if (response.IsSuccessStatusCode) return response;
        using (response)
        {
            var detail = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new HttpRequestException($"Sheets answered {(int)response.StatusCode}: {Clip(detail)}", null, response.StatusCode);
        }
    }

    private async Task<HttpRequestMessage> RequestAsync(HttpMethod method, string url, object? content, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await credential.AccessTokenAsync(cancellationToken));
        if (content is not null) request.Content = JsonContent.Create(content, content.GetType(), options: Json);
        return request;
    }

    /// <summary>A success that is not JSON (a proxy's or captive portal's HTML page) is named as such, not left to a parser's error.</summary>
    private static async Task<T?> ReadJsonAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var type = response.Content.Headers.ContentType?.MediaType;
        if (type is not null && !type.Contains("json", StringComparison.OrdinalIgnoreCase))
            throw new HttpRequestException($"Sheets answered {(int)response.StatusCode} with {type}, not JSON: {Clip(await response.Content.ReadAsStringAsync(cancellationToken))}");
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken);
        }
        catch (JsonException ex)
        {
            throw new HttpRequestException($"Sheets answered {(int)response.StatusCode} with JSON the bot cannot read: {ex.Message}", ex);
        }
    }

    private static string Clip(string text) => text.Length <= 300 ? text : text[..300];

    private sealed record BatchGet(List<ValueRange>? ValueRanges);

    private sealed record SpreadsheetProperties(List<Tab>? Sheets);

    private sealed record Tab(TabProperties? Properties);

    private sealed record TabProperties(long SheetId, string? Title, GridProperties? GridProperties);

    private sealed record GridProperties(int? FrozenRowCount);

    private sealed record ValueRange(string? Range, List<List<JsonElement>>? Values);

    private sealed record BatchUpdate(string ValueInputOption, List<WriteRange> Data);

    private sealed record WriteRange(string Range, string MajorDimension, IReadOnlyList<IReadOnlyList<string>> Values);

    private sealed record Appended(AppendUpdates? Updates);

    private sealed record AppendUpdates(string? UpdatedRange);
}

/// <summary>
/// The service account's access token, from Google.Apis.Auth: a signed RS256 assertion exchanged
/// at the key file's own <c>token_uri</c>, cached by the library until shortly before it expires.
/// </summary>
public sealed class SheetsCredential(IOptions<PlannerSettings> settings, TimeProvider time)
{
    private const string Scope = "https://www.googleapis.com/auth/spreadsheets";

    private readonly Lazy<ServiceAccountCredential> _credential = new(() => Load(settings.Value.CredentialsPath!, time));

    public Task<string> AccessTokenAsync(CancellationToken cancellationToken) =>
        _credential.Value.GetAccessTokenForRequestAsync(cancellationToken: cancellationToken);

    /// <summary>Reads the key file now, so a missing or broken one is reported at start (an <see cref="InvalidOperationException"/> naming it).</summary>
    public void CheckKey() => _ = _credential.Value;

    /// <summary>Fetches a new access token now, whatever the cached one's expiry says (Google refused it).</summary>
    public Task RenewAsync(CancellationToken cancellationToken) => _credential.Value.RequestAccessTokenAsync(cancellationToken);

    private static ServiceAccountCredential Load(string path, TimeProvider time)
    {
        KeyFile key;
        try
        {
            key = JsonSerializer.Deserialize<KeyFile>(File.ReadAllText(path)) ?? throw new JsonException("the file is empty");
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"Sheets__CredentialsPath: '{path}' is not a readable service-account key file ({ex.Message}).", ex);
        }
        if (key.ClientEmail is null || key.PrivateKey is null)
            throw new InvalidOperationException($"Sheets__CredentialsPath: '{path}' lacks client_email or private_key; download a JSON key for the service account.");
        return new ServiceAccountCredential(new ServiceAccountCredential.Initializer(key.ClientEmail, key.TokenUri ?? GoogleAuthConsts.OidcTokenUrl)
        {
            Scopes = [Scope],
            KeyId = key.PrivateKeyId,
            Clock = new ClockOf(time),
        }.FromPrivateKey(key.PrivateKey));
    }

    private sealed record KeyFile(
        [property: JsonPropertyName("client_email")] string? ClientEmail,
        [property: JsonPropertyName("private_key")] string? PrivateKey,
        [property: JsonPropertyName("private_key_id")] string? PrivateKeyId,
        [property: JsonPropertyName("token_uri")] string? TokenUri);

    private sealed class ClockOf(TimeProvider time) : IClock
    {
        public DateTime Now => time.GetLocalNow().DateTime;
        public DateTime UtcNow => time.GetUtcNow().UtcDateTime;
    }
}
