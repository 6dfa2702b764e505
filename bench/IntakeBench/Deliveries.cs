using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

/// <summary>A signed delivery as GitHub sends it: its event name, body and signature.</summary>
sealed record Signed(string Event, byte[] Body, string Signature);

/// <summary>
/// Deliveries that look like GitHub's to an App: the shapes of <c>examples/deliveries</c> (GitHub's own payload
/// examples, full repository and user objects), with issue-form bodies and comments written from real prose (the
/// repository's own documentation, cut into sentences, fixed in <c>prose.txt</c>), in the mix a busy marketing repository sends: comments,
/// edits and label changes, new requests with long bodies, and card moves; for 1,000 issues, a few of them hot.
/// </summary>
static class Deliveries
{
    /// <summary>Share of each kind of delivery, and the size of its free text (bytes, before JSON escaping).</summary>
    private static readonly (string Kind, double Share, int MinText, int MaxText)[] Mix =
    [
        ("issue_comment", 0.40, 200, 4_000),
        ("issues.edited", 0.20, 1_500, 12_000),
        ("issues.labeled", 0.10, 1_500, 8_000),
        ("issues.opened", 0.10, 4_000, 50_000),
        ("projects_v2_item", 0.20, 0, 0),
    ];

    public static Signed[] Build(string root, string secret, int count, int seed = 7)
    {
        var random = new Random(seed);
        var sentences = Sentences(root);
        var templates = Directory.GetFiles(Path.Combine(root, "examples", "deliveries"), "*.json").Order()
            .Select(f => JsonNode.Parse(File.ReadAllText(f))!).ToArray();
        var (opened, comment, card) = (templates[0]["payload"]!, templates[2]["payload"]!, templates[3]["payload"]!);
        var deliveries = new Signed[count];
        for (var i = 0; i < count; i++)
        {
            // Three in ten deliveries are about ten hot issues (a launch everyone comments on); the rest spread over 1,000.
            var number = random.NextDouble() < 0.3 ? 1 + random.Next(10) : 11 + random.Next(990);
            var kind = Pick(random);
            var text = Text(random, sentences, random.Next(kind.MinText, Math.Max(kind.MinText + 1, kind.MaxText)));
            JsonNode payload;
            string name;
            switch (kind.Kind)
            {
                case "issue_comment":
                    (name, payload) = ("issue_comment", comment.DeepClone());
                    Renumber(payload["issue"]!, number);
                    payload["comment"]!["body"] = text;
                    payload["comment"]!["id"] = 2_700_000_000L + i;
                    break;
                case "projects_v2_item":
                    (name, payload) = ("projects_v2_item", card.DeepClone());
                    payload["projects_v2_item"]!["content_node_id"] = $"I_kwDOKacme{number:D5}";
                    payload["projects_v2_item"]!["id"] = 88_000 + number;
                    break;
                default:
                    (name, payload) = ("issues", opened.DeepClone());
                    payload["action"] = kind.Kind["issues.".Length..];
                    Renumber(payload["issue"]!, number);
                    payload["issue"]!["body"] = FormBody(random, sentences, text.Length);
                    if (kind.Kind == "issues.labeled") payload["label"] = new JsonObject { ["id"] = 7002, ["name"] = "approved", ["color"] = "0e8a16", ["default"] = false };
                    break;
            }
            var body = Encoding.UTF8.GetBytes(payload.ToJsonString(AsGitHubWrites));
            deliveries[i] = new Signed(name, body, "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body)));
        }
        return deliveries;
    }

    /// <summary>How the set's bytes compress (gzip, best): real text compresses about 3–5:1, padding 70:1.</summary>
    public static double CompressionRatio(Signed[] deliveries)
    {
        long raw = 0, packed = 0;
        foreach (var delivery in deliveries.Take(2_000))
        {
            using var buffer = new MemoryStream();
            using (var gzip = new GZipStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true)) gzip.Write(delivery.Body);
            raw += delivery.Body.Length;
            packed += buffer.Length;
        }
        return (double)raw / packed;
    }

    /// <summary>"2 KB–60 KB, median 11 KB"-style summary of the set's sizes.</summary>
    public static string Sizes(Signed[] deliveries)
    {
        var sizes = deliveries.Select(d => d.Body.Length / 1024.0).Order().ToArray();
        return $"{sizes[0]:0.0}–{sizes[^1]:0.0} KB, median {sizes[sizes.Length / 2]:0.0} KB, mean {sizes.Average():0.0} KB; "
            + string.Join(", ", deliveries.GroupBy(d => d.Event).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {100.0 * g.Count() / deliveries.Length:0}%"));
    }

    private static (string Kind, double Share, int MinText, int MaxText) Pick(Random random)
    {
        var roll = random.NextDouble();
        foreach (var kind in Mix)
            if ((roll -= kind.Share) < 0) return kind;
        return Mix[^1];
    }

    private static void Renumber(JsonNode issue, int number)
    {
        issue["number"] = number;
        issue["id"] = 2_400_000_000L + number;
        issue["node_id"] = $"I_kwDOKacme{number:D5}";
        issue["html_url"] = $"https://github.com/acme/marketing-requests/issues/{number}";
        issue["url"] = $"https://api.github.com/repos/acme/marketing-requests/issues/{number}";
    }

    /// <summary>An issue-form body: the social post form's headings, answered with prose.</summary>
    private static string FormBody(Random random, string[] sentences, int length)
    {
        string[] headings = ["What should we share?", "Content type", "Channels", "Links", "Visual ideas", "Call to action", "Hashtags", "Publish date", "Campaign"];
        var body = new StringBuilder();
        foreach (var heading in headings)
        {
            body.Append("### ").Append(heading).Append("\n\n");
            body.Append(heading switch
            {
                "Content type" => "Release post",
                "Channels" => "- [X] LinkedIn\n- [ ] Facebook\n- [X] Discord\n- [ ] Reddit",
                "Links" => "https://acme.example/blog/release\nhttps://acme.example/docs/approvals",
                "Publish date" => "2031-03-12",
                "Hashtags" => "#automation #lowcode #release",
                _ => Text(random, sentences, Math.Max(80, length / 4)),
            }).Append("\n\n");
        }
        return body.ToString();
    }

    private static string Text(Random random, string[] sentences, int length)
    {
        var text = new StringBuilder();
        while (text.Length < length) text.Append(sentences[random.Next(sentences.Length)]).Append(random.Next(5) == 0 ? "\n\n" : " ");
        return text.ToString().TrimEnd();
    }

    /// <summary>
    /// Real prose, a sentence a line: the repository's documentation as it stood when the set was fixed (a copy, so
    /// the set stays the same as the docs change), with its words, punctuation, markdown and a few non-ASCII marks.
    /// </summary>
    private static string[] Sentences(string root) => File.ReadAllLines(Path.Combine(root, "bench", "IntakeBench", "prose.txt"));

    /// <summary>
    /// GitHub writes payloads as raw UTF-8 and escapes only what JSON requires (quotes, backslashes, control
    /// characters); System.Text.Json's default would also escape every apostrophe, backtick and non-ASCII letter.
    /// </summary>
    private static readonly JsonSerializerOptions AsGitHubWrites = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
