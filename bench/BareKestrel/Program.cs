// The benchmark's floor: Kestrel answering a delivery after checking its signature, nothing else.
using System.Security.Cryptography;
using System.Text;

var secret = Encoding.UTF8.GetBytes(Environment.GetEnvironmentVariable("WEBHOOK_SECRET") ?? throw new InvalidOperationException("WEBHOOK_SECRET is not set"));
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
app.MapPost("/api/github/webhooks", async (HttpRequest request) =>
{
    using var body = new MemoryStream();
    await request.Body.CopyToAsync(body);
    var header = request.Headers["X-Hub-Signature-256"].ToString();
    var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(secret, body.ToArray()));
    return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(header), Encoding.ASCII.GetBytes(expected))
        ? Results.Accepted()
        : Results.Unauthorized();
});
app.Run();
