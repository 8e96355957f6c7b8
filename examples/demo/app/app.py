"""The demo web app: counts visits in Redis and says hello."""
import os

import redis
from flask import Flask

app = Flask(__name__)
store = redis.Redis(host=os.environ.get("REDIS_HOST", "redis"), port=6379)


@app.route("/")
def index():
    visits = store.incr("visits")
    greeting = os.environ.get("GREETING", "Hello")
    return f"{greeting}! This page has been visited {visits} times.\n"


@app.route("/health")
def health():
    store.ping()
    return "ok\n"


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=5000)
