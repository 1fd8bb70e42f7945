-- wrk script: a HeyGen-style video.generate POST with a ~2 KB JSON body.
-- The client key comes from $BENCH_KEY (sent as Authorization: Bearer to both targets;
-- nginx ignores it, bulwark authenticates it). Path from $BENCH_PATH.
local key = os.getenv("BENCH_KEY") or "none"
local path = os.getenv("BENCH_PATH") or "/heygen/v2/video/generate"

local script = string.rep("Welcome to our quarterly product update. This short video walks " ..
  "through the new editor, the template gallery and the team workspace. ", 11)
local body = '{"video_inputs":[{"character":{"type":"avatar","avatar_id":"Daisy-inskirt-20220818",' ..
  '"avatar_style":"normal"},"voice":{"type":"text","input_text":"' .. script ..
  '","voice_id":"2d5b0e6cf36f460aa7fc47e3eee4ba54","speed":1.0},"background":{"type":"color",' ..
  '"value":"#FAFAFA"}}],"dimension":{"width":1280,"height":720},"title":"Quarterly update",' ..
  '"test":true}'
body = body .. string.rep(" ", math.max(0, 2048 - #body))

wrk.method = "POST"
wrk.path = path
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. key

function init(args)
  if #body ~= 2048 then
    io.stderr:write("post2k.lua: body is " .. #body .. " bytes, expected 2048\n")
  end
end
