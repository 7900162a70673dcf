// Package news is the announcements (bản tin) editors publish about
// changes in procedures, and the citizens who follow them.
//
// An Announcement has a title, a body, the guides it concerns and the
// period it is current. Editors write them in /admin and through the API
// (package editor serves both, over Service.Create, Update, Delete); they
// are stored in the JetStream bucket NEWS, and every instance keeps a
// snapshot in step with it (a watch in Run). While an announcement is
// current:
//
//   - an answer about one of its guides carries its title as one short line
//     and a "Đọc bản tin" option (Middleware, Annotate);
//   - "tin mới" in chat lists it, and a tap reads it in full;
//   - the public page /tin-moi and the Atom feed /tin-moi.atom show it
//     (Pages).
//
// Following: "theo dõi" (or "đăng ký nhận tin") follows the guide of the
// conversation's last answer, or every announcement when there was none;
// "hủy theo dõi" deletes the record. Followers are kept in the bucket
// NEWS_FOLLOWERS (one record per conversation, revision-checked writes,
// read from the leader). When an announcement becomes current, Run sends
// it to each follower of its guides who is inside their channel's free
// reply window now (Messenger 24 hours, Zalo 48 hours with a free reply
// left, the web chat while it keeps replies) as an ordinary reply through
// the pipeline, and queues it for the others: it goes with the reply to
// their next message, once. Nothing is sent outside the platforms' windows;
// doc/channels.md says what the platforms' broadcast APIs would add.
package news
