// The Probot contender: Probot's own webhook middleware (signature check, event routing) with
// an app that handles issues.opened, on a plain Node HTTP server.
import { createServer } from "node:http";
import { generateKeyPairSync } from "node:crypto";
import { Probot, createNodeMiddleware } from "probot";

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
// LOG_LEVEL: warn (quiet, the one to beat) or info (Probot's default, which logs every delivery).
const probot = new Probot({ appId: 1, privateKey, secret: process.env.WEBHOOK_SECRET, logLevel: process.env.LOG_LEVEL ?? "info" });
let handled = 0;
const app = (bot) => bot.on("issues.opened", async () => { handled++; });
const middleware = await createNodeMiddleware(app, { probot, webhooksPath: "/api/github/webhooks" });
createServer(middleware).listen(Number(process.env.PORT), "127.0.0.1");
